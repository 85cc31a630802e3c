#pragma once
// Server-side TLS built from a checked config::TlsConfig (see src/config/tls.cc, which has
// already read the files and matched key to certificate): an OpenSSL context for the HTTP
// server and credentials for the gRPC server, with the client-certificate policy of the
// config's client_auth_type.

#include <grpcpp/security/server_credentials.h>

#include <boost/asio/ssl/context.hpp>
#include <memory>

#include "tempo/config/config.h"
#include "tempo/util/status.h"

namespace tempo::server {

// kInvalidArgument naming tls.key_path when OpenSSL refuses the material.
Status make_http_tls_context(const config::TlsConfig& tls,
                             std::shared_ptr<boost::asio::ssl::context>* out);

// gRPC (1.51) always offers TLS 1.2 and 1.3; the config refuses versions it cannot enforce.
std::shared_ptr<grpc::ServerCredentials> make_grpc_tls_credentials(const config::TlsConfig& tls);

}  // namespace tempo::server
