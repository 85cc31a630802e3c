#include "config/remote_write.h"

#include <openssl/sha.h>
#include <strings.h>

#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

namespace tempo::config {
namespace {

const std::string kBase = "metrics_generator.storage";

Status bad(const YAML::Node& n, const std::string& key, const std::string& why) {
  return Status::invalid_argument(line_of(n) + ": config key \"" + key + "\" " + why);
}

// http[s]://host[:port][/path][?query], host a name, an IPv4 address or [IPv6].
Status split_url(const YAML::Node& n, const std::string& key, RemoteWriteConfig* rw) {
  const std::string& url = rw->url;
  std::string rest;
  if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else if (url.rfind("https://", 0) == 0) {
    rw->https = true;
    rest = url.substr(8);
  } else {
    return bad(n, key, "must be an http:// or https:// URL, got \"" + url + "\"");
  }
  size_t end = rest.find_first_of("/?#");
  std::string authority = rest.substr(0, end);
  std::string target = end == std::string::npos ? "/" : rest.substr(end);
  if (auto hash = target.find('#'); hash != std::string::npos) target.resize(hash);
  if (target.empty() || target[0] == '?') target = "/" + target;
  if (authority.find('@') != std::string::npos) {
    return bad(n, key, "must not carry credentials in the URL; use basic_auth");
  }
  std::string port;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string::npos) return bad(n, key, "has an unclosed [ in \"" + url + "\"");
    rw->host = authority.substr(1, close - 1);
    std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return bad(n, key, "has junk after the IPv6 address in \"" + url + "\"");
      port = after.substr(1);
    }
  } else {
    size_t colon = authority.rfind(':');
    rw->host = authority.substr(0, colon);
    if (colon != std::string::npos) port = authority.substr(colon + 1);
  }
  if (rw->host.empty()) return bad(n, key, "has no host in \"" + url + "\"");
  for (char c : rw->host) {
    if (c == ' ' || c == '/' || c == '\\') return bad(n, key, "has a bad host in \"" + url + "\"");
  }
  rw->port = rw->https ? 443 : 80;
  if (!port.empty()) {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(port) < 1 || std::stoi(port) > 65535) {
      return bad(n, key, "has a bad port in \"" + url + "\"");
    }
    rw->port = std::stoi(port);
  }
  for (char c : target) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      return bad(n, key, "has a space or control character in its path");
    }
  }
  rw->target = target;
  return Status::ok();
}

std::string url_hash(const std::string& url) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(url.data()), url.size(), d);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 3; ++i) {
    out += kHex[d[i] >> 4];
    out += kHex[d[i] & 15];
  }
  return out;
}

Status read_file(const YAML::Node& n, const std::string& key, const std::string& path,
                 std::string* out) {
  std::ifstream f(path);
  if (!f) return bad(n, key, "names " + path + ", which cannot be read");
  std::stringstream ss;
  ss << f.rdbuf();
  *out = ss.str();
  return Status::ok();
}

bool reserved_header(const std::string& name) {
  // Set by the sender itself (as Prometheus refuses them in `headers`); Authorization comes
  // from basic_auth.
  for (const char* r : {"content-encoding", "content-type", "content-length", "host", "user-agent",
                        "x-prometheus-remote-write-version", "authorization"}) {
    if (strcasecmp(name.c_str(), r) == 0) return true;
  }
  return false;
}

Status read_item(const YAML::Node& item, size_t index, RemoteWriteConfig* rw) {
  const std::string p = kBase + ".remote_write[" + std::to_string(index) + "].";
  YamlReader r(item, p);
  if (!item.IsMap()) return bad(item, p.substr(0, p.size() - 1), "must be a map of keys");
  // Settings Prometheus applies that this build cannot: sending without them would go
  // unauthenticated or around a proxy, so they stop the start instead.
  for (const char* k :
       {"authorization", "bearer_token", "bearer_token_file", "oauth2", "sigv4", "azuread",
        "google_iam", "proxy_url", "no_proxy", "proxy_from_environment", "proxy_connect_header",
        "http_headers", "basic_auth.username_file", "tls_config.ca", "tls_config.cert",
        "tls_config.key", "tls_config.min_version", "tls_config.max_version"}) {
    YAML::Node v = r.at(k);
    if (v.IsDefined() && !v.IsNull()) {
      return bad(v, p + k,
                 "cannot be applied by this build; remove it rather than send without it (see "
                 "docs/remote_write.md for what is supported)");
    }
  }
  TEMPO_RETURN_IF_ERROR(r.str("url", &rw->url));
  if (rw->url.empty()) return bad(item, p + "url", "must be set");
  TEMPO_RETURN_IF_ERROR(split_url(r.at("url"), p + "url", rw));
  TEMPO_RETURN_IF_ERROR(r.str("name", &rw->name));
  if (rw->name.empty()) rw->name = url_hash(rw->url);
  TEMPO_RETURN_IF_ERROR(r.boolean("send_exemplars", &rw->send_exemplars));
  TEMPO_RETURN_IF_ERROR(r.duration("remote_timeout", &rw->remote_timeout));
  if (rw->remote_timeout <= Duration::zero()) {
    return bad(r.at("remote_timeout"), p + "remote_timeout", "must be positive");
  }
  YAML::Node headers = r.at("headers");
  if (headers.IsDefined() && !headers.IsNull()) {
    if (!headers.IsMap()) return bad(headers, p + "headers", "must be a map of header: value");
    for (auto it = headers.begin(); it != headers.end(); ++it) {
      const std::string name = it->first.Scalar();
      if (!it->second.IsScalar()) {
        return bad(it->second, p + "headers." + name, "must be a string");
      }
      if (name.empty() || name.find_first_of(" :\r\n\t") != std::string::npos) {
        return bad(it->first, p + "headers", "has a bad header name \"" + name + "\"");
      }
      if (it->second.Scalar().find_first_of("\r\n") != std::string::npos) {
        return bad(it->second, p + "headers." + name, "must not contain a line break");
      }
      if (reserved_header(name)) {
        return bad(it->first, p + "headers." + name,
                   "is set by the sender itself and cannot be overridden");
      }
      rw->headers.emplace_back(name, it->second.Scalar());
    }
  }
  YAML::Node auth = r.at("basic_auth");
  if (auth.IsDefined() && !auth.IsNull()) {
    rw->basic_auth = true;
    TEMPO_RETURN_IF_ERROR(r.str("basic_auth.username", &rw->basic_auth_username));
    TEMPO_RETURN_IF_ERROR(r.str("basic_auth.password", &rw->basic_auth_password));
    std::string password_file;
    TEMPO_RETURN_IF_ERROR(r.str("basic_auth.password_file", &password_file));
    if (rw->basic_auth_username.empty()) {
      return bad(auth, p + "basic_auth.username", "must be set when basic_auth is given");
    }
    if (!password_file.empty()) {
      if (!rw->basic_auth_password.empty()) {
        return bad(auth, p + "basic_auth",
                   "sets both password and password_file; keep one of them");
      }
      TEMPO_RETURN_IF_ERROR(read_file(r.at("basic_auth.password_file"),
                                      p + "basic_auth.password_file", password_file,
                                      &rw->basic_auth_password));
      // Prometheus trims the file's surrounding whitespace (a trailing newline).
      auto& pw = rw->basic_auth_password;
      while (!pw.empty() && std::isspace(static_cast<unsigned char>(pw.back()))) pw.pop_back();
    }
  }
  YAML::Node tls = r.at("tls_config");
  if (tls.IsDefined() && !tls.IsNull() && tls.size() > 0) {
    if (!rw->https) {
      return bad(tls, p + "tls_config", "is given for an http:// URL, where it cannot apply");
    }
    TEMPO_RETURN_IF_ERROR(r.str("tls_config.ca_file", &rw->tls_ca_file));
    TEMPO_RETURN_IF_ERROR(r.str("tls_config.cert_file", &rw->tls_cert_file));
    TEMPO_RETURN_IF_ERROR(r.str("tls_config.key_file", &rw->tls_key_file));
    TEMPO_RETURN_IF_ERROR(r.str("tls_config.server_name", &rw->tls_server_name));
    TEMPO_RETURN_IF_ERROR(
        r.boolean("tls_config.insecure_skip_verify", &rw->tls_insecure_skip_verify));
    if (rw->tls_cert_file.empty() != rw->tls_key_file.empty()) {
      return bad(tls, p + "tls_config", "needs both cert_file and key_file, or neither");
    }
    for (const char* k : {"ca_file", "cert_file", "key_file"}) {
      std::string file, unused;
      TEMPO_RETURN_IF_ERROR(r.str(std::string("tls_config.") + k, &file));
      if (file.empty()) continue;
      TEMPO_RETURN_IF_ERROR(
          read_file(r.at(std::string("tls_config.") + k), p + "tls_config." + k, file, &unused));
    }
  }
  return Status::ok();
}

}  // namespace

Status read_generator_storage(const YamlReader& r, MetricsGeneratorStorageConfig* out) {
  TEMPO_RETURN_IF_ERROR(r.str(kBase + ".path", &out->path));
  TEMPO_RETURN_IF_ERROR(
      r.boolean(kBase + ".remote_write_add_org_id_header", &out->remote_write_add_org_id_header));
  TEMPO_RETURN_IF_ERROR(
      r.duration(kBase + ".remote_write_flush_deadline", &out->remote_write_flush_deadline));
  if (out->remote_write_flush_deadline < Duration::zero()) {
    return bad(r.at(kBase + ".remote_write_flush_deadline"), kBase + ".remote_write_flush_deadline",
               "must not be negative");
  }
  TEMPO_RETURN_IF_ERROR(
      r.integer(kBase + ".remote_write_queue_max_bytes", &out->remote_write_queue_max_bytes));
  if (out->remote_write_queue_max_bytes < (1 << 20)) {
    return bad(r.at(kBase + ".remote_write_queue_max_bytes"),
               kBase + ".remote_write_queue_max_bytes", "must be at least 1048576 (1 MiB)");
  }
  YAML::Node list = r.at(kBase + ".remote_write");
  if (!list.IsDefined() || list.IsNull()) return Status::ok();
  if (!list.IsSequence()) return bad(list, kBase + ".remote_write", "must be a list");
  std::set<std::string> names;
  for (size_t i = 0; i < list.size(); ++i) {
    RemoteWriteConfig rw;
    TEMPO_RETURN_IF_ERROR(read_item(list[i], i, &rw));
    if (!names.insert(rw.name).second) {
      return bad(list[i], kBase + ".remote_write[" + std::to_string(i) + "]",
                 "repeats the remote write \"" + rw.name +
                     "\" (same name, or same url without a name); each must differ");
    }
    out->remote_write.push_back(std::move(rw));
  }
  if (!out->remote_write.empty() && out->path.empty()) {
    return bad(list, kBase + ".path",
               "must be set when remote_write is configured: it holds the on-disk queues");
  }
  return Status::ok();
}

}  // namespace tempo::config
