#pragma once
// A small blocking HTTP/1.1 client on Boost.Beast for tests, benchmarks and backend calls,
// over plain TCP or TLS (OpenSSL). One HttpClient holds one keep-alive connection; it is not
// thread-safe (use one per thread).

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tempo/util/status.h"

namespace tempo::server {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct ClientResponse {
  int status = 0;
  std::string body;
  HeaderList headers;
  // Case-insensitive; "" when absent.
  std::string header(std::string_view name) const;
};

// HTTPS settings. The peer's certificate is verified against `ca_file` (or the system's CAs)
// and must name `server_name` (or the host) unless insecure_skip_verify.
struct ClientTls {
  bool enabled = false;
  std::string ca_file;
  std::string cert_file, key_file;  // a client certificate, both or neither
  std::string server_name;          // SNI and the name checked; "" = the host
  bool insecure_skip_verify = false;
};

class HttpClient {
 public:
  HttpClient(std::string host, uint16_t port,
             std::chrono::milliseconds timeout = std::chrono::seconds(30), ClientTls tls = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request and reads the whole response. Connects lazily; a request on a
  // keep-alive connection the server has closed is retried once on a fresh connection.
  // Transport failures (refused, timeout, reset, TLS handshake) are kUnavailable; any HTTP
  // status is ok. A TLS setting that cannot be loaded (a missing CA file) is kInvalidArgument.
  Status request(std::string_view method, std::string_view target, std::string_view body,
                 const HeaderList& headers, ClientResponse* out);

  Status get(std::string_view target, ClientResponse* out, const HeaderList& headers = {}) {
    return request("GET", target, {}, headers, out);
  }
  Status post(std::string_view target, std::string_view body, std::string_view content_type,
              ClientResponse* out, HeaderList headers = {}) {
    headers.emplace_back("Content-Type", std::string(content_type));
    return request("POST", target, body, headers, out);
  }

  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tempo::server
