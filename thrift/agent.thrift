// The Jaeger agent's UDP interface: each datagram is one oneway emitBatch call.
// (The agent's emitZipkinBatch is not offered.)

include "jaeger.thrift"

namespace cpp tempo.jaeger_thrift

service Agent {
  oneway void emitBatch(1: jaeger.Batch batch)
}
