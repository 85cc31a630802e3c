#pragma once
// AWS Signature Version 4 for S3 requests (the scheme MinIO, Ceph RGW and AWS all accept):
// builds the canonical request, the string to sign and the Authorization header. Hashing and
// HMAC are OpenSSL's.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tempo::backend::sigv4 {

struct Credentials {
  std::string access_key, secret_key, session_token;  // session_token may be empty
};

struct Request {
  std::string method;        // "GET", "PUT", ...
  std::string host;          // the Host header value, with ":port" when not the default
  std::string path;          // already URI-encoded, starting with '/'
  std::vector<std::pair<std::string, std::string>> query;  // decoded names and values
  // Extra headers to sign (lower-case names), e.g. {"range", "bytes=0-9"}.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload_sha256_hex;  // hex SHA-256 of the body
};

// "20130524T000000Z" and the region, e.g. "us-east-1". Returns every header to send with the
// request: host, x-amz-date, x-amz-content-sha256, x-amz-security-token (with a session token),
// the caller's headers, and authorization.
std::vector<std::pair<std::string, std::string>> sign(const Request& req, const Credentials& creds,
                                                      std::string_view amz_date,
                                                      std::string_view region);

// Query string as signed: names sorted, names and values URI-encoded.
std::string canonical_query(const std::vector<std::pair<std::string, std::string>>& query);

// RFC 3986 percent-encoding as SigV4 wants it; '/' is kept when `keep_slash`.
std::string uri_encode(std::string_view s, bool keep_slash);

std::string sha256_hex(std::string_view data);

// Now, as "YYYYMMDDTHHMMSSZ".
std::string amz_date_now();

}  // namespace tempo::backend::sigv4
