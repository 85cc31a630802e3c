#pragma once
// A Thrift protocol that reads a message held in memory, with every length the message states
// bounded by the bytes actually received (see thrift_protocol.cc).

#include <thrift/protocol/TProtocol.h>

#include <memory>
#include <string_view>

#include "tempo/model/jaeger.h"

namespace tempo::model {

// Reads `bytes` in place: they must outlive the protocol. Lengths past the input make reads
// throw TProtocolException::SIZE_LIMIT or TTransportException ("MaxMessageSize reached").
std::unique_ptr<apache::thrift::protocol::TProtocol> bounded_protocol(std::string_view bytes,
                                                                      ThriftProtocol protocol);

}  // namespace tempo::model
