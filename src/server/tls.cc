#include "tempo/server/tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <string>

namespace tempo::server {
namespace {

namespace ssl = boost::asio::ssl;
using config::ClientAuth;
using config::TlsVersion;

int openssl_version(TlsVersion v) {
  switch (v) {
    case TlsVersion::k1_0:
      return TLS1_VERSION;
    case TlsVersion::k1_1:
      return TLS1_1_VERSION;
    case TlsVersion::k1_2:
      return TLS1_2_VERSION;
    case TlsVersion::k1_3:
      return TLS1_3_VERSION;
  }
  return TLS1_2_VERSION;
}

// The CA names sent in the CertificateRequest, so a client holding several certificates picks
// one the server can verify.
bool add_client_ca_names(SSL_CTX* ctx, const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (!bio) return false;
  bool any = false;
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    any = SSL_CTX_add_client_CA(ctx, cert) == 1 || any;
    X509_free(cert);
  }
  ERR_clear_error();  // the end of the PEM text
  BIO_free(bio);
  return any;
}

}  // namespace

Status make_http_tls_context(const config::TlsConfig& tls, std::shared_ptr<ssl::context>* out) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_compression |
                       ssl::context::single_dh_use,
                   ec);
  SSL_CTX* native = ctx->native_handle();
  // A client could otherwise make the server redo the costly half of a TLS 1.2 handshake as
  // often as it likes on one connection.
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION);
  if (!ec && (SSL_CTX_set_min_proto_version(native, openssl_version(tls.min_version)) != 1 ||
              SSL_CTX_set_max_proto_version(native, openssl_version(tls.max_version)) != 1)) {
    return Status::invalid_argument(tls.key_path + ": OpenSSL refuses the TLS version range");
  }
  if (!ec) ctx->use_certificate_chain(boost::asio::buffer(tls.cert_pem), ec);
  if (!ec) ctx->use_private_key(boost::asio::buffer(tls.key_pem), ssl::context::pem, ec);
  if (ec) return Status::invalid_argument(tls.key_path + ": " + ec.message());
  int mode = ssl::verify_none;
  bool verify_chain = false;
  switch (tls.client_auth) {
    case ClientAuth::kNoClientCert:
      break;
    case ClientAuth::kRequestClientCert:
      mode = ssl::verify_peer;
      break;
    case ClientAuth::kRequireAnyClientCert:
      mode = ssl::verify_peer | ssl::verify_fail_if_no_peer_cert;
      break;
    case ClientAuth::kVerifyClientCertIfGiven:
      mode = ssl::verify_peer;
      verify_chain = true;
      break;
    case ClientAuth::kRequireAndVerifyClientCert:
      mode = ssl::verify_peer | ssl::verify_fail_if_no_peer_cert;
      verify_chain = true;
      break;
  }
  if (!tls.client_ca_pem.empty()) {
    ctx->add_certificate_authority(boost::asio::buffer(tls.client_ca_pem), ec);
    if (ec || !add_client_ca_names(native, tls.client_ca_pem)) {
      return Status::invalid_argument(tls.key_path +
                                      ".client_ca_file: " + (ec ? ec.message() : "no certificate"));
    }
  }
  ctx->set_verify_mode(mode, ec);
  if (!ec && mode != ssl::verify_none && !verify_chain) {
    // RequestClientCert / RequireAnyClientCert: a certificate is asked for (and, for the
    // latter, required) but its chain is not checked, as Go's crypto/tls does.
    ctx->set_verify_callback([](bool, ssl::verify_context&) { return true; }, ec);
  }
  if (ec) return Status::invalid_argument(tls.key_path + ": " + ec.message());
  // Session resumption across the server's connections needs an id context once client
  // certificates are involved; without one OpenSSL fails resumed handshakes.
  static const unsigned char kSessionId[] = "tempo";
  SSL_CTX_set_session_id_context(native, kSessionId, sizeof kSessionId - 1);
  *out = std::move(ctx);
  return Status::ok();
}

std::shared_ptr<grpc::ServerCredentials> make_grpc_tls_credentials(const config::TlsConfig& tls) {
  grpc_ssl_client_certificate_request_type request = GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE;
  switch (tls.client_auth) {
    case ClientAuth::kNoClientCert:
      break;
    case ClientAuth::kRequestClientCert:
      request = GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_BUT_DONT_VERIFY;
      break;
    case ClientAuth::kRequireAnyClientCert:
      request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_BUT_DONT_VERIFY;
      break;
    case ClientAuth::kVerifyClientCertIfGiven:
      request = GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY;
      break;
    case ClientAuth::kRequireAndVerifyClientCert:
      request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
      break;
  }
  grpc::SslServerCredentialsOptions options(request);
  options.pem_root_certs = tls.client_ca_pem;
  options.pem_key_cert_pairs.push_back({tls.key_pem, tls.cert_pem});
  return grpc::SslServerCredentials(options);
}

}  // namespace tempo::server
