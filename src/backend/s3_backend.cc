// The S3 backend: objects are S3 objects under an optional prefix, requests are signed with
// SigV4 and sent with libcurl (keep-alive handles reused across requests). Large objects are
// sent as multipart uploads, which S3 makes visible atomically on completion, so readers never
// see part of an object, as with the local backend.

#include <curl/curl.h>
#include <pugixml.hpp>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "backend/request_metrics.h"
#include "backend/sigv4.h"
#include "tempo/backend/backend.h"
#include "tempo/observability/log.h"

namespace tempo::backend {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Response {
  long status = 0;
  std::string body;
  Headers headers;  // lower-case names

  std::string header(std::string_view name) const {
    for (const auto& [k, v] : headers)
      if (k == name) return v;
    return {};
  }
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  std::string_view line(data, size * n);
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    static_cast<Headers*>(user)->emplace_back(std::move(name), std::string(value));
  }
  return size * n;
}

// "<Code>: <Message>" from an S3 error body, or the HTTP status when there is none.
std::string s3_error(const Response& r) {
  pugi::xml_document doc;
  if (doc.load_buffer(r.body.data(), r.body.size())) {
    auto err = doc.child("Error");
    if (err) {
      return std::string(err.child_value("Code")) + ": " + err.child_value("Message");
    }
  }
  return "HTTP " + std::to_string(r.status);
}

class S3Backend final : public Backend {
 public:
  explicit S3Backend(S3Options o) : o_(std::move(o)) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    if (o_.endpoint.empty()) o_.endpoint = "s3." + o_.region + ".amazonaws.com";
    const bool aws = o_.endpoint.ends_with("amazonaws.com");
    path_style_ = o_.forcepathstyle || !aws;
    host_ = path_style_ ? o_.endpoint : o_.bucket + "." + o_.endpoint;
    base_path_ = path_style_ ? "/" + o_.bucket : "";
    while (!o_.prefix.empty() && o_.prefix.back() == '/') o_.prefix.pop_back();
    while (!o_.prefix.empty() && o_.prefix.front() == '/') o_.prefix.erase(0, 1);
    o_.part_size = std::max<size_t>(o_.part_size, 5 << 20);
  }

  ~S3Backend() override {
    for (CURL* h : idle_) curl_easy_cleanup(h);
  }

  Status write(std::string_view key, std::string_view data) override {
    Response r;
    return expect(request("PUT", object_path(key), {}, {}, data, &r), r, {200}, "PUT", key);
  }

  Status open_writer(std::string_view key, std::unique_ptr<ObjectWriter>* out) override;

  Status read(std::string_view key, std::string* out) override {
    Response r;
    TEMPO_RETURN_IF_ERROR(expect(request("GET", object_path(key), {}, {}, {}, &r), r, {200}, "GET", key));
    *out = std::move(r.body);
    return Status::ok();
  }

  Status read_range(std::string_view key, uint64_t offset, uint64_t length,
                    std::string* out) override {
    if (length == 0) {
      out->clear();
      return Status::ok();
    }
    Response r;
    const std::string range =
        "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1);
    Status s = request("GET", object_path(key), {}, {{"range", range}}, {}, &r);
    if (s.is_ok() && r.status == 416) {
      return Status::invalid_argument("read past the end of " + std::string(key));
    }
    TEMPO_RETURN_IF_ERROR(expect(s, r, {206, 200}, "GET", key));
    if (r.status == 200 && r.body.size() >= offset + length) {
      r.body = r.body.substr(offset, length);  // a server that ignores Range
    }
    if (r.body.size() != length) {
      return Status::invalid_argument("read past the end of " + std::string(key) + ": wanted " +
                                      std::to_string(length) + " bytes at " +
                                      std::to_string(offset) + ", got " + std::to_string(r.body.size()));
    }
    *out = std::move(r.body);
    return Status::ok();
  }

  Status list(std::string_view prefix, std::vector<std::string>* out) override {
    return list_keys(prefix, true, out);
  }

  Status list_objects(std::string_view prefix, std::vector<std::string>* out) override {
    return list_keys(prefix, false, out);
  }

  // ListObjectsV2 over every page: the immediate children of `prefix` when `delimited`,
  // otherwise every key under it (one request per 1000 keys instead of one per "directory").
  Status list_keys(std::string_view prefix, bool delimited, std::vector<std::string>* out) {
    out->clear();
    const std::string full = full_key(prefix);
    std::string token;
    for (;;) {
      Headers query{{"list-type", "2"}, {"prefix", full}};
      if (delimited) query.emplace_back("delimiter", "/");
      if (!token.empty()) query.emplace_back("continuation-token", token);
      Response r;
      TEMPO_RETURN_IF_ERROR(
          expect(request("GET", base_path_.empty() ? "/" : base_path_, query, {}, {}, &r, "LIST"), r, {200},
                 "LIST", prefix));
      pugi::xml_document doc;
      if (!doc.load_buffer(r.body.data(), r.body.size())) {
        return Status::io_error("s3: unparseable ListObjectsV2 reply for prefix " + full);
      }
      auto result = doc.child("ListBucketResult");
      auto strip = [&](std::string_view name) {
        name.remove_prefix(std::min(full.size(), name.size()));
        while (!name.empty() && name.back() == '/') name.remove_suffix(1);
        return std::string(name);
      };
      for (auto p : result.children("CommonPrefixes")) out->push_back(strip(p.child_value("Prefix")));
      for (auto c : result.children("Contents")) out->push_back(strip(c.child_value("Key")));
      if (std::string_view(result.child_value("IsTruncated")) != "true") break;
      token = result.child_value("NextContinuationToken");
      if (token.empty()) break;
    }
    out->erase(std::remove(out->begin(), out->end(), std::string()), out->end());
    std::sort(out->begin(), out->end());
    out->erase(std::unique(out->begin(), out->end()), out->end());
    return Status::ok();
  }

  Status remove(std::string_view key) override {
    Response r;
    Status s = request("DELETE", object_path(key), {}, {}, {}, &r);
    return expect(s, r, {204, 200, 404}, "DELETE", key);
  }

  std::string_view name() const override { return "s3"; }

  // --- plumbing shared with the multipart writer ------------------------------------------------

  std::string full_key(std::string_view key) const {
    return o_.prefix.empty() ? std::string(key) : o_.prefix + "/" + std::string(key);
  }
  std::string object_path(std::string_view key) const {
    return base_path_ + "/" + sigv4::uri_encode(full_key(key), true);
  }

  // One signed request, retried on transport errors, 429 and 5xx (every request here is
  // idempotent). Sets *r to the final response; the Status is only for transport failures.
  // Each attempt is timed under `metric_op` (the method unless given: LIST for listings, as
  // the local backend labels them).
  Status request(const std::string& method, const std::string& path, const Headers& query,
                 const Headers& extra_headers, std::string_view body, Response* r,
                 std::string_view metric_op = {}) {
    static constexpr int kBackoffMs[] = {0, 100, 300, 900};  // rides out a restarting endpoint
    Status s;
    for (int backoff : kBackoffMs) {
      std::this_thread::sleep_for(std::chrono::milliseconds(backoff));
      const auto start = std::chrono::steady_clock::now();
      s = once(method, path, query, extra_headers, body, r);
      record_request(metric_op.empty() ? std::string_view(method) : metric_op,
                     s.is_ok() ? static_cast<int>(r->status) : 0,
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      if (s.is_ok() && r->status < 500 && r->status != 429) return s;
    }
    return s;
  }

  Status expect(const Status& transport, const Response& r, std::initializer_list<long> ok,
                const char* op, std::string_view key) const {
    if (!transport.is_ok()) return transport;
    if (std::find(ok.begin(), ok.end(), r.status) != ok.end()) return Status::ok();
    const std::string what = std::string("s3 ") + op + " " + o_.bucket + "/" + full_key(key) + ": " +
                             s3_error(r);
    if (r.status == 404) return Status::not_found(what);
    if (r.status == 403 || r.status == 401) return Status::io_error(what + " (check credentials)");
    return Status::io_error(what);
  }

 private:
  Status once(const std::string& method, const std::string& path, const Headers& query,
              const Headers& extra_headers, std::string_view body, Response* r) {
    sigv4::Request sr;
    sr.method = method;
    sr.host = host_;
    sr.path = path;
    sr.query = query;
    sr.headers = extra_headers;
    sr.payload_sha256_hex = sigv4::sha256_hex(body);
    sigv4::Credentials creds{o_.access_key, o_.secret_key, o_.session_token};
    Headers headers = sigv4::sign(sr, creds, sigv4::amz_date_now(), o_.region);

    std::string url = std::string(o_.insecure ? "http://" : "https://") + host_ + path;
    if (!query.empty()) url += "?" + sigv4::canonical_query(query);

    CURL* h = acquire();
    curl_slist* list = nullptr;
    for (const auto& [k, v] : headers) {
      if (k == "host") continue;  // curl sends the same Host from the URL
      list = curl_slist_append(list, (k + ": " + v).c_str());
    }
    list = curl_slist_append(list, "Expect:");
    list = curl_slist_append(list, "Content-Type: application/octet-stream");
    *r = Response{};
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
    if (method == "PUT" || method == "POST") {
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    } else {
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
    }
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &r->body);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &r->headers);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 300000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (o_.insecure_skip_verify) {
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    CURLcode rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(list);
    release(h, rc == CURLE_OK);
    if (rc != CURLE_OK) {
      return Status::unavailable("s3 " + method + " " + url + ": " + curl_easy_strerror(rc));
    }
    return Status::ok();
  }

  CURL* acquire() {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.empty()) return curl_easy_init();
    CURL* h = idle_.back();
    idle_.pop_back();
    curl_easy_reset(h);  // options go; the connection cache stays
    return h;
  }
  void release(CURL* h, bool healthy) {
    if (!healthy) {
      curl_easy_cleanup(h);
      return;
    }
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(h);
  }

  S3Options o_;
  bool path_style_ = true;
  std::string host_, base_path_;
  std::mutex mu_;
  std::vector<CURL*> idle_;

  friend class S3Writer;
};

// Buffers up to part_size; small objects are one PUT at close(), larger ones a multipart
// upload that only becomes visible when completed.
class S3Writer final : public ObjectWriter {
 public:
  S3Writer(S3Backend& b, std::string key) : b_(b), key_(std::move(key)) {}
  ~S3Writer() override {
    if (!upload_id_.empty() && !closed_) abort();
  }

  Status append(std::string_view data) override {
    buffer_.append(data);
    if (buffer_.size() >= b_.o_.part_size) return flush_part();
    return Status::ok();
  }

  Status close() override {
    closed_ = true;
    if (upload_id_.empty()) return b_.write(key_, buffer_);
    if (!buffer_.empty()) TEMPO_RETURN_IF_ERROR(flush_part());
    std::string xml = "<CompleteMultipartUpload>";
    for (size_t i = 0; i < etags_.size(); ++i) {
      xml += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + etags_[i] +
             "</ETag></Part>";
    }
    xml += "</CompleteMultipartUpload>";
    Response r;
    Status s = b_.expect(b_.request("POST", b_.object_path(key_), {{"uploadId", upload_id_}}, {}, xml, &r),
                         r, {200}, "POST", key_);
    // S3 may answer 200 with an <Error> body when completion fails late.
    if (s.is_ok() && r.body.find("<Error>") != std::string::npos) {
      s = Status::io_error("s3 complete multipart upload of " + key_ + ": " + s3_error(r));
    }
    if (!s.is_ok()) abort();
    return s;
  }

 private:
  Status flush_part() {
    if (upload_id_.empty()) {
      Response r;
      TEMPO_RETURN_IF_ERROR(b_.expect(
          b_.request("POST", b_.object_path(key_), {{"uploads", ""}}, {}, {}, &r), r, {200}, "POST",
          key_));
      pugi::xml_document doc;
      doc.load_buffer(r.body.data(), r.body.size());
      upload_id_ = doc.child("InitiateMultipartUploadResult").child_value("UploadId");
      if (upload_id_.empty()) return Status::io_error("s3: no UploadId for " + key_);
    }
    Response r;
    const std::string part = std::to_string(etags_.size() + 1);
    TEMPO_RETURN_IF_ERROR(b_.expect(
        b_.request("PUT", b_.object_path(key_), {{"partNumber", part}, {"uploadId", upload_id_}}, {},
                   buffer_, &r),
        r, {200}, "PUT", key_));
    etags_.push_back(r.header("etag"));
    buffer_.clear();
    return Status::ok();
  }

  void abort() {
    Response r;
    ignore_error(b_.request("DELETE", b_.object_path(key_), {{"uploadId", upload_id_}}, {}, {}, &r),
                 "best effort: the upload already failed, and that is the error reported");
    upload_id_.clear();
  }

  S3Backend& b_;
  std::string key_;
  std::string buffer_;
  std::string upload_id_;
  std::vector<std::string> etags_;
  bool closed_ = false;
};

Status S3Backend::open_writer(std::string_view key, std::unique_ptr<ObjectWriter>* out) {
  *out = std::make_unique<S3Writer>(*this, std::string(key));
  return Status::ok();
}

}  // namespace

Status make_s3_backend(const S3Options& options, std::unique_ptr<Backend>* out) {
  S3Options o = options;
  if (o.bucket.empty()) return Status::invalid_argument("storage.trace.s3.bucket is required");
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v ? v : "");
  };
  if (o.access_key.empty() && o.secret_key.empty()) {
    o.access_key = env("AWS_ACCESS_KEY_ID");
    o.secret_key = env("AWS_SECRET_ACCESS_KEY");
    if (o.session_token.empty()) o.session_token = env("AWS_SESSION_TOKEN");
  }
  if (o.access_key.empty() || o.secret_key.empty()) {
    return Status::invalid_argument(
        "storage.trace.s3: no credentials; set access_key and secret_key (with "
        "-config.expand-env they may come from the environment) or AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY");
  }
  if (o.region.empty()) o.region = "us-east-1";
  *out = std::make_unique<S3Backend>(std::move(o));
  return Status::ok();
}

}  // namespace tempo::backend
