#pragma once
// Reads the TLS blocks of tempo.yaml: dskit's server.http_tls_config / grpc_tls_config (with
// server.tls_min_version) and the OpenTelemetry Collector's receiver `tls` blocks. Files are
// read and checked here, so every TLS mistake is a config error naming the key.

#include <string>

#include "config/yaml_reader.h"
#include "tempo/config/config.h"

namespace tempo::config {

// `path` is the block ("server.http_tls_config"); `min_version` is server.tls_min_version's
// value ("" = TLS 1.2). `grpc` marks a block applied by a gRPC server, which cannot enforce a
// minimum above TLS 1.2.
Status read_server_tls(const YamlReader& r, const std::string& path, const std::string& min_version,
                       bool grpc, TlsConfig* out);

// `path` is the receiver's `tls` key ("distributor.receivers.zipkin.tls").
Status read_receiver_tls(const YamlReader& r, const std::string& path, bool grpc, TlsConfig* out);

}  // namespace tempo::config
