#include "backend/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <ctime>

#include "tempo/util/hex.h"

namespace tempo::backend::sigv4 {
namespace {

std::string hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string trim(std::string_view v) {
  size_t b = v.find_first_not_of(' '), e = v.find_last_not_of(' ');
  return b == std::string_view::npos ? std::string() : std::string(v.substr(b, e - b + 1));
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return hex::encode(std::string_view(reinterpret_cast<char*>(digest), sizeof digest));
}

std::string uri_encode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string canonical_query(const std::vector<std::pair<std::string, std::string>>& query) {
  std::vector<std::pair<std::string, std::string>> enc;
  enc.reserve(query.size());
  for (const auto& [k, v] : query) enc.emplace_back(uri_encode(k, false), uri_encode(v, false));
  std::sort(enc.begin(), enc.end());
  std::string out;
  for (const auto& [k, v] : enc) {
    if (!out.empty()) out.push_back('&');
    out += k + "=" + v;
  }
  return out;
}

std::string amz_date_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::vector<std::pair<std::string, std::string>> sign(const Request& req, const Credentials& creds,
                                                      std::string_view amz_date,
                                                      std::string_view region) {
  std::vector<std::pair<std::string, std::string>> headers = req.headers;
  headers.emplace_back("host", req.host);
  headers.emplace_back("x-amz-content-sha256", req.payload_sha256_hex);
  headers.emplace_back("x-amz-date", std::string(amz_date));
  if (!creds.session_token.empty()) headers.emplace_back("x-amz-security-token", creds.session_token);
  std::sort(headers.begin(), headers.end());

  std::string canonical_headers, signed_headers;
  for (const auto& [k, v] : headers) {
    canonical_headers += k + ":" + trim(v) + "\n";
    if (!signed_headers.empty()) signed_headers.push_back(';');
    signed_headers += k;
  }
  const std::string canonical_request = req.method + "\n" + req.path + "\n" +
                                        canonical_query(req.query) + "\n" + canonical_headers +
                                        "\n" + signed_headers + "\n" + req.payload_sha256_hex;
  const std::string date(amz_date.substr(0, 8));
  const std::string scope = date + "/" + std::string(region) + "/s3/aws4_request";
  const std::string string_to_sign = "AWS4-HMAC-SHA256\n" + std::string(amz_date) + "\n" + scope +
                                     "\n" + sha256_hex(canonical_request);
  std::string key = hmac("AWS4" + creds.secret_key, date);
  key = hmac(key, region);
  key = hmac(key, "s3");
  key = hmac(key, "aws4_request");
  const std::string signature = hex::encode(hmac(key, string_to_sign));
  headers.emplace_back("authorization", "AWS4-HMAC-SHA256 Credential=" + creds.access_key + "/" +
                                            scope + ", SignedHeaders=" + signed_headers +
                                            ", Signature=" + signature);
  return headers;
}

}  // namespace tempo::backend::sigv4
