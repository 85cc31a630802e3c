#include "config/tls.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

namespace tempo::config {
namespace {

Status bad(const std::string& m) { return Status::invalid_argument(m); }

std::string openssl_reason() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "no PEM data found";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

Status read_file(const std::string& key, const std::string& file, std::string* out) {
  std::ifstream f(file, std::ios::binary);
  if (!f) {
    return bad(key + ": cannot read \"" + file + "\": " + std::strerror(errno));
  }
  std::stringstream ss;
  ss << f.rdbuf();
  if (f.bad()) return bad(key + ": cannot read \"" + file + "\"");
  *out = ss.str();
  if (out->empty()) return bad(key + ": \"" + file + "\" is empty");
  return Status::ok();
}

using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;
using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

BioPtr mem_bio(const std::string& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
}

// The certificates in a PEM text; an error naming `what` when there is none or one is broken.
Status parse_certs(const std::string& what, const std::string& pem, std::vector<X509Ptr>* out) {
  ERR_clear_error();
  auto bio = mem_bio(pem);
  while (true) {
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
    if (!cert) break;
    out->push_back(std::move(cert));
  }
  // Running out of PEM blocks ends the loop with PEM_R_NO_START_LINE; anything else is a
  // certificate that does not parse.
  unsigned long e = ERR_peek_last_error();
  if (e != 0 && !(ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE)) {
    return bad(what + " holds a certificate that does not parse: " + openssl_reason());
  }
  ERR_clear_error();
  if (out->empty()) return bad(what + " holds no PEM certificate");
  return Status::ok();
}

// The certificate (its first block is the leaf) and the key parse, and the key is the one the
// certificate was issued for.
Status check_pair(const std::string& cert_what, const std::string& cert_pem,
                  const std::string& key_what, const std::string& key_pem) {
  std::vector<X509Ptr> certs;
  TEMPO_RETURN_IF_ERROR(parse_certs(cert_what, cert_pem, &certs));
  ERR_clear_error();
  auto bio = mem_bio(key_pem);
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  if (!key) {
    return bad(key_what + " holds no usable PEM private key (an encrypted key is not supported): " +
               openssl_reason());
  }
  if (X509_check_private_key(certs.front().get(), key.get()) != 1) {
    ERR_clear_error();
    return bad(key_what + " does not match the certificate in " + cert_what);
  }
  return Status::ok();
}

// A scalar string at `path` (absent/null: untouched).
Status str(const YamlReader& r, const std::string& path, std::string* out) {
  return r.str(path, out);
}

// Every key of the block must be one of `supported`; a key of `refused` (a setting of the same
// block this build cannot apply) stops the start instead of being ignored.
Status check_block_keys(const YamlReader& r, const std::string& path,
                        const std::set<std::string>& supported,
                        const std::set<std::string>& refused, const std::string& why_refused) {
  YAML::Node n = r.at(path);
  if (!n.IsDefined() || n.IsNull()) return Status::ok();
  if (!n.IsMap()) return bad(line_of(n) + ": config key \"" + path + "\" must be a map of keys");
  for (auto it = n.begin(); it != n.end(); ++it) {
    const std::string key = it->first.Scalar();
    if (supported.count(key)) continue;
    if (refused.count(key)) {
      return bad(line_of(it->first) + ": config key \"" + path + "." + key +
                 "\" is not supported by this build; " + why_refused);
    }
    std::string known;
    for (const auto& k : supported) known += (known.empty() ? "" : ", ") + k;
    return bad(line_of(it->first) + ": unknown key \"" + path + "." + key + "\" (known: " + known +
               ")");
  }
  return Status::ok();
}

// cert/key/CA texts loaded and checked; `cert_what` etc. name where each came from.
Status finish(const std::string& path, bool grpc, TlsConfig* out) {
  if (out->min_version > out->max_version) {
    return bad(path + ": the minimum TLS version is above the maximum");
  }
  if (grpc && out->min_version > TlsVersion::k1_2) {
    return bad(path +
               ": a minimum TLS version of 1.3 cannot be enforced on a gRPC port by this build "
               "(gRPC accepts TLS 1.2 and 1.3); remove the setting or use 1.2");
  }
  if (grpc && out->max_version < TlsVersion::k1_3) {
    return bad(path +
               ": a maximum TLS version below 1.3 cannot be enforced on a gRPC port by this "
               "build; remove max_version");
  }
  const bool verifies = out->client_auth == ClientAuth::kVerifyClientCertIfGiven ||
                        out->client_auth == ClientAuth::kRequireAndVerifyClientCert;
  if (verifies && out->client_ca_pem.empty()) {
    return bad(path + ": client certificates are to be verified but no client_ca_file is set");
  }
  if (!verifies && !out->client_ca_pem.empty()) {
    return bad(path +
               ": client_ca_file is set but client_auth_type does not verify client "
               "certificates; use VerifyClientCertIfGiven or RequireAndVerifyClientCert");
  }
  if (!out->client_ca_pem.empty()) {
    std::vector<X509Ptr> cas;
    TEMPO_RETURN_IF_ERROR(parse_certs(path + ".client_ca_file", out->client_ca_pem, &cas));
  }
  out->enabled = true;
  out->key_path = path;
  return Status::ok();
}

Status parse_dskit_version(const std::string& key, const std::string& v, TlsVersion* out) {
  if (v.empty()) return Status::ok();
  static const std::pair<const char*, TlsVersion> kNames[] = {{"VersionTLS10", TlsVersion::k1_0},
                                                              {"VersionTLS11", TlsVersion::k1_1},
                                                              {"VersionTLS12", TlsVersion::k1_2},
                                                              {"VersionTLS13", TlsVersion::k1_3}};
  for (const auto& [name, ver] : kNames) {
    if (v == name) return *out = ver, Status::ok();
  }
  return bad(key + " \"" + v +
             "\" is not one of VersionTLS10, VersionTLS11, VersionTLS12, VersionTLS13");
}

Status parse_collector_version(const std::string& key, const std::string& v, TlsVersion* out) {
  if (v.empty()) return Status::ok();
  static const std::pair<const char*, TlsVersion> kNames[] = {{"1.0", TlsVersion::k1_0},
                                                              {"1.1", TlsVersion::k1_1},
                                                              {"1.2", TlsVersion::k1_2},
                                                              {"1.3", TlsVersion::k1_3}};
  for (const auto& [name, ver] : kNames) {
    if (v == name) return *out = ver, Status::ok();
  }
  return bad(key + " \"" + v + "\" is not one of \"1.0\", \"1.1\", \"1.2\", \"1.3\"");
}

}  // namespace

Status read_server_tls(const YamlReader& r, const std::string& path, const std::string& min_version,
                       bool grpc, TlsConfig* out) {
  TEMPO_RETURN_IF_ERROR(check_block_keys(
      r, path, {"cert_file", "key_file", "client_auth_type", "client_ca_file"}, {}, ""));
  std::string cert_file, key_file, auth, ca_file;
  TEMPO_RETURN_IF_ERROR(str(r, path + ".cert_file", &cert_file));
  TEMPO_RETURN_IF_ERROR(str(r, path + ".key_file", &key_file));
  TEMPO_RETURN_IF_ERROR(str(r, path + ".client_auth_type", &auth));
  TEMPO_RETURN_IF_ERROR(str(r, path + ".client_ca_file", &ca_file));
  TEMPO_RETURN_IF_ERROR(
      parse_dskit_version("server.tls_min_version", min_version, &out->min_version));
  if (cert_file.empty()) {
    // dskit serves plaintext without a certificate; a block that sets anything else would be
    // a TLS setting silently ignored.
    if (!key_file.empty() || !auth.empty() || !ca_file.empty()) {
      return bad(path + ".cert_file must be set: TLS needs a certificate (the block sets " +
                 std::string(!key_file.empty() ? "key_file"
                             : !auth.empty()   ? "client_auth_type"
                                               : "client_ca_file") +
                 " without one)");
    }
    return Status::ok();
  }
  if (key_file.empty()) return bad(path + ".key_file must be set along with cert_file");
  static const std::pair<const char*, ClientAuth> kAuth[] = {
      {"NoClientCert", ClientAuth::kNoClientCert},
      {"RequestClientCert", ClientAuth::kRequestClientCert},
      {"RequireAnyClientCert", ClientAuth::kRequireAnyClientCert},
      {"VerifyClientCertIfGiven", ClientAuth::kVerifyClientCertIfGiven},
      {"RequireAndVerifyClientCert", ClientAuth::kRequireAndVerifyClientCert}};
  if (!auth.empty()) {
    bool found = false;
    for (const auto& [name, value] : kAuth) {
      if (auth == name) found = true, out->client_auth = value;
    }
    if (!found) {
      return bad(path + ".client_auth_type \"" + auth +
                 "\" is not one of NoClientCert, RequestClientCert, RequireAnyClientCert, "
                 "VerifyClientCertIfGiven, RequireAndVerifyClientCert");
    }
  }
  TEMPO_RETURN_IF_ERROR(read_file(path + ".cert_file", cert_file, &out->cert_pem));
  TEMPO_RETURN_IF_ERROR(read_file(path + ".key_file", key_file, &out->key_pem));
  TEMPO_RETURN_IF_ERROR(check_pair(path + ".cert_file \"" + cert_file + "\"", out->cert_pem,
                                   path + ".key_file \"" + key_file + "\"", out->key_pem));
  if (!ca_file.empty()) {
    TEMPO_RETURN_IF_ERROR(read_file(path + ".client_ca_file", ca_file, &out->client_ca_pem));
  }
  if (grpc && out->min_version > TlsVersion::k1_2) {
    return bad(
        "server.tls_min_version VersionTLS13 cannot be enforced on the gRPC port by this "
        "build (gRPC accepts TLS 1.2 and 1.3); use VersionTLS12 or remove " +
        path);
  }
  return finish(path, grpc, out);
}

Status read_receiver_tls(const YamlReader& r, const std::string& path, bool grpc, TlsConfig* out) {
  YAML::Node n = r.at(path);
  if (!n.IsDefined() || n.IsNull()) return Status::ok();
  TEMPO_RETURN_IF_ERROR(check_block_keys(
      r, path,
      {"cert_file", "key_file", "cert_pem", "key_pem", "client_ca_file", "min_version",
       "max_version"},
      {"ca_file", "ca_pem", "include_system_ca_certs_pool", "cipher_suites", "curve_preferences",
       "reload_interval", "client_ca_file_reload", "insecure", "insecure_skip_verify",
       "server_name_override", "tpm_config"},
      "remove it (a TLS setting that cannot be applied stops the start instead of being "
      "ignored; to verify client certificates use client_ca_file)"));
  std::string cert_file, key_file, cert_pem, key_pem, ca_file, min_v, max_v;
  TEMPO_RETURN_IF_ERROR(str(r, path + ".cert_file", &cert_file));
  TEMPO_RETURN_IF_ERROR(str(r, path + ".key_file", &key_file));
  TEMPO_RETURN_IF_ERROR(str(r, path + ".cert_pem", &cert_pem));
  TEMPO_RETURN_IF_ERROR(str(r, path + ".key_pem", &key_pem));
  TEMPO_RETURN_IF_ERROR(str(r, path + ".client_ca_file", &ca_file));
  TEMPO_RETURN_IF_ERROR(str(r, path + ".min_version", &min_v));
  TEMPO_RETURN_IF_ERROR(str(r, path + ".max_version", &max_v));
  if (!cert_file.empty() && !cert_pem.empty()) {
    return bad(path + ": set cert_file or cert_pem, not both");
  }
  if (!key_file.empty() && !key_pem.empty()) {
    return bad(path + ": set key_file or key_pem, not both");
  }
  if (cert_file.empty() && cert_pem.empty()) {
    return bad(path + ": a TLS server needs a certificate; set cert_file (or cert_pem)");
  }
  if (key_file.empty() && key_pem.empty()) {
    return bad(path + ": a TLS server needs a private key; set key_file (or key_pem)");
  }
  TEMPO_RETURN_IF_ERROR(parse_collector_version(path + ".min_version", min_v, &out->min_version));
  out->max_version = TlsVersion::k1_3;
  TEMPO_RETURN_IF_ERROR(parse_collector_version(path + ".max_version", max_v, &out->max_version));
  std::string cert_what, key_what;
  if (!cert_file.empty()) {
    TEMPO_RETURN_IF_ERROR(read_file(path + ".cert_file", cert_file, &out->cert_pem));
    cert_what = path + ".cert_file \"" + cert_file + "\"";
  } else {
    out->cert_pem = cert_pem;
    cert_what = path + ".cert_pem";
  }
  if (!key_file.empty()) {
    TEMPO_RETURN_IF_ERROR(read_file(path + ".key_file", key_file, &out->key_pem));
    key_what = path + ".key_file \"" + key_file + "\"";
  } else {
    out->key_pem = key_pem;
    key_what = path + ".key_pem";
  }
  TEMPO_RETURN_IF_ERROR(check_pair(cert_what, out->cert_pem, key_what, out->key_pem));
  if (!ca_file.empty()) {
    // As the Collector does: a client CA means client certificates are required and verified.
    TEMPO_RETURN_IF_ERROR(read_file(path + ".client_ca_file", ca_file, &out->client_ca_pem));
    out->client_auth = ClientAuth::kRequireAndVerifyClientCert;
  }
  return finish(path, grpc, out);
}

}  // namespace tempo::config
