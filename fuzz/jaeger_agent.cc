// Jaeger agent UDP: one datagram holding an Agent.emitBatch call, Thrift compact (6831) or
// binary (6832) as TEMPO_FUZZ_THRIFT_COMPACT says (one fuzzer per port), as
// receiver::JaegerAgentReceiver converts and pushes it.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest.h"
#include "tempo/model/jaeger.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view datagram(reinterpret_cast<const char*>(data), size);
  if (datagram.size() > tempo::fuzz::kMaxDatagram) return -1;
  constexpr auto protocol = TEMPO_FUZZ_THRIFT_COMPACT ? tempo::model::ThriftProtocol::kCompact
                                                      : tempo::model::ThriftProtocol::kBinary;
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest req;
  if (!tempo::model::jaeger_agent_datagram_to_otlp(datagram, protocol, &req).is_ok()) return 0;
  tempo::fuzz::push(req, datagram.size());
  return 0;
}
