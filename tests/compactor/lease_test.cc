// The compactor lease on a real local backend with an injected clock: one owner at a time,
// renewal, take-over after expiry, release, and the races S3's lack of compare-and-swap allows.

#include "tempo/compactor/lease.h"

#include <catch2/catch.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "testing/fake_lease_clock.h"
#include "testing/temp_dir.h"

using namespace tempo;
using namespace std::chrono_literals;

namespace {

// One fake time for wall and steady clocks; sleep() advances it.
using FakeClock = testing::FakeLeaseClock;

compactor::LeaseOptions options(const std::string& owner) {
  compactor::LeaseOptions o;
  o.owner = owner;
  o.ttl = 60s;
  o.settle = 2s;
  o.max_clock_skew = 1s;
  return o;
}

std::string lease_owner(backend::Backend& b, const std::string& tenant) {
  std::string json;
  if (!b.read(compactor::lease_key(tenant), &json).is_ok()) return "";
  return nlohmann::json::parse(json).value("owner", "");
}

// Runs a hook before writes of the lease object, to interleave a rival.
class HookBackend final : public backend::Backend {
 public:
  explicit HookBackend(backend::Backend& inner) : inner_(inner) {}
  std::function<void()> before_write;

  Status write(std::string_view k, std::string_view d) override {
    if (auto hook = std::exchange(before_write, nullptr)) hook();
    return inner_.write(k, d);
  }
  Status open_writer(std::string_view k, std::unique_ptr<backend::ObjectWriter>* o) override {
    return inner_.open_writer(k, o);
  }
  Status read(std::string_view k, std::string* o) override { return inner_.read(k, o); }
  Status read_range(std::string_view k, uint64_t off, uint64_t len, std::string* o) override {
    return inner_.read_range(k, off, len, o);
  }
  Status list(std::string_view p, std::vector<std::string>* o) override {
    return inner_.list(p, o);
  }
  Status remove(std::string_view k) override { return inner_.remove(k); }
  std::string_view name() const override { return "hook"; }

 private:
  backend::Backend& inner_;
};

}  // namespace

TEST_CASE("lease: acquire, contention between two owners, renewal and release") {
  testing::TempDir dir;
  auto backend = backend::make_local_backend(dir.path());
  auto clock = std::make_shared<FakeClock>();
  compactor::Lease a(*backend, options("a"), clock), b(*backend, options("b"), clock);

  bool held = false;
  REQUIRE(a.try_acquire("t", &held).is_ok());
  CHECK(held);
  CHECK(a.held("t"));
  CHECK(lease_owner(*backend, "t") == "a");

  REQUIRE(b.try_acquire("t", &held).is_ok());
  CHECK_FALSE(held);
  CHECK_FALSE(b.held("t"));
  // Another tenant is a separate lease.
  REQUIRE(b.try_acquire("u", &held).is_ok());
  CHECK(held);

  // Renewed within the ttl, a keeps it past the first expiry.
  clock->advance(40s);
  REQUIRE(a.renew("t", &held).is_ok());
  CHECK(held);
  clock->advance(40s);
  CHECK(a.held("t"));
  REQUIRE(b.try_acquire("t", &held).is_ok());
  CHECK_FALSE(held);
  // 80 s after taking it, renewed at 40 s: held until 40 + 60 - 1 (skew) = 99 s.
  CHECK(a.remaining("t") == 19s);
  CHECK(b.remaining("t") == 0s);
  // try_acquire by the holder renews.
  REQUIRE(a.try_acquire("t", &held).is_ok());
  CHECK(held);
  CHECK(a.remaining("t") == 59s);

  // Released: b takes it at once, without waiting for expiry.
  REQUIRE(a.release("t").is_ok());
  CHECK_FALSE(a.held("t"));
  REQUIRE(b.try_acquire("t", &held).is_ok());
  CHECK(held);
  CHECK(lease_owner(*backend, "t") == "b");
  // Releasing what one does not hold leaves the holder's lease alone.
  REQUIRE(a.release("t").is_ok());
  CHECK(lease_owner(*backend, "t") == "b");

  // Shutdown: b gives up both its leases; a takes them at once.
  REQUIRE(b.release_all().is_ok());
  CHECK(lease_owner(*backend, "t").empty());
  CHECK(lease_owner(*backend, "u").empty());
  REQUIRE(a.try_acquire("u", &held).is_ok());
  CHECK(held);
}

TEST_CASE("lease: expiry and take-over, and the old holder learns it lost") {
  testing::TempDir dir;
  auto backend = backend::make_local_backend(dir.path());
  auto clock = std::make_shared<FakeClock>();
  compactor::Lease a(*backend, options("a"), clock), b(*backend, options("b"), clock);
  bool held = false;
  REQUIRE(a.try_acquire("t", &held).is_ok());
  REQUIRE(held);

  // a stops renewing (a pause, a crash). Its own deadline passes before the lease expires for
  // anyone else: the skew margin.
  clock->advance(57s);
  CHECK_FALSE(a.held("t"));
  REQUIRE(b.try_acquire("t", &held).is_ok());
  CHECK_FALSE(held);  // not expired yet by the wall clock
  clock->advance(2s);
  REQUIRE(b.try_acquire("t", &held).is_ok());
  CHECK(held);
  CHECK(lease_owner(*backend, "t") == "b");

  REQUIRE(a.renew("t", &held).is_ok());
  CHECK_FALSE(held);
  CHECK_FALSE(a.held("t"));
  CHECK(lease_owner(*backend, "t") == "b");  // a's late renewal wrote nothing
}

TEST_CASE("lease: a renewal finds the lease taken over") {
  testing::TempDir dir;
  auto backend = backend::make_local_backend(dir.path());
  auto clock = std::make_shared<FakeClock>();
  compactor::Lease a(*backend, options("a"), clock);
  bool held = false;
  REQUIRE(a.try_acquire("t", &held).is_ok());
  REQUIRE(held);
  // Someone overwrote the object (an operator, a process with a wildly wrong clock).
  REQUIRE(backend
              ->write(compactor::lease_key("t"),
                      R"({"owner":"x","token":"00","expires":"2100-01-01T00:00:00Z"})")
              .is_ok());
  REQUIRE(a.renew("t", &held).is_ok());
  CHECK_FALSE(held);
  CHECK(lease_owner(*backend, "t") == "x");
}

TEST_CASE(
    "lease: a write that lands after a rival's read-back gives the lease to nobody, not to two") {
  testing::TempDir dir;
  auto local = backend::make_local_backend(dir.path());
  HookBackend hook(*local);
  auto clock = std::make_shared<FakeClock>();
  compactor::Lease a(hook, options("a"), clock), b(*local, options("b"), clock),
      c(*local, options("c"), clock);

  // a reads the lease free; before its write lands, b reads it free, writes, settles and reads
  // back its own write. Then a's write lands, late.
  bool b_held = false, a_held = true;
  hook.before_write = [&] { REQUIRE(b.try_acquire("t", &b_held).is_ok()); };
  REQUIRE(a.try_acquire("t", &a_held).is_ok());
  // a measured that its write took longer than settle/2 and gave up.
  CHECK_FALSE(a_held);
  CHECK(lease_owner(*local, "t") == "a");
  // b believed it held the lease, but its renewal finds a's object and gives up: at no point
  // did both hold it.
  CHECK(b_held);
  bool held = true;
  REQUIRE(b.renew("t", &held).is_ok());
  CHECK_FALSE(held);
  // a's abandoned object is nobody's lease: a cannot use it either, and it lapses at expiry.
  REQUIRE(a.try_acquire("t", &held).is_ok());
  CHECK_FALSE(held);
  REQUIRE(c.try_acquire("t", &held).is_ok());
  CHECK_FALSE(held);
  clock->advance(61s);
  REQUIRE(c.try_acquire("t", &held).is_ok());
  CHECK(held);
}

TEST_CASE("lease: owners racing for a free lease with real clocks never both hold it") {
  testing::TempDir dir;
  auto backend = backend::make_local_backend(dir.path());
  for (int round = 0; round < 5; ++round) {
    const std::string tenant = "t" + std::to_string(round);
    compactor::LeaseOptions oa = options("a"), ob = options("b");
    oa.settle = ob.settle = 100ms;
    compactor::Lease a(*backend, oa), b(*backend, ob);
    bool a_held = false, b_held = false;
    std::thread ta([&] { REQUIRE(a.try_acquire(tenant, &a_held).is_ok()); });
    std::thread tb([&] { REQUIRE(b.try_acquire(tenant, &b_held).is_ok()); });
    ta.join();
    tb.join();
    INFO("round " << round);
    CHECK_FALSE((a_held && b_held));
    // Whoever holds it is the one the object names.
    if (a_held) CHECK(lease_owner(*backend, tenant) == "a");
    if (b_held) CHECK(lease_owner(*backend, tenant) == "b");
  }
}

TEST_CASE("lease: an unreadable lease object counts as expired") {
  testing::TempDir dir;
  auto backend = backend::make_local_backend(dir.path());
  auto clock = std::make_shared<FakeClock>();
  REQUIRE(backend->write(compactor::lease_key("t"), "not json").is_ok());
  compactor::Lease a(*backend, options("a"), clock);
  bool held = false;
  REQUIRE(a.try_acquire("t", &held).is_ok());
  CHECK(held);
  CHECK(lease_owner(*backend, "t") == "a");
}

// A process restarted after a crash has the same owner (host and WAL directory) but a new
// incarnation: it takes its lease back at once rather than waiting out the ttl, while another
// owner still has to wait, and the old incarnation's renewal finds it lost.
TEST_CASE("lease: a restart of the same owner takes its lease back at once, others still wait") {
  testing::TempDir dir;
  auto backend = backend::make_local_backend(dir.path());
  auto clock = std::make_shared<FakeClock>();
  auto first_run = options("host:/var/tempo/wal");
  first_run.incarnation = "run1";
  auto second_run = first_run;
  second_run.incarnation = "run2";
  compactor::Lease before(*backend, first_run, clock), other(*backend, options("b"), clock);
  bool held = false;
  REQUIRE(before.try_acquire("t", &held).is_ok());
  REQUIRE(held);

  // "before" crashed without releasing; well within the ttl:
  clock->advance(10s);
  REQUIRE(other.try_acquire("t", &held).is_ok());
  CHECK_FALSE(held);
  compactor::Lease after(*backend, second_run, clock);
  REQUIRE(after.try_acquire("t", &held).is_ok());
  CHECK(held);
  CHECK(lease_owner(*backend, "t") == "host:/var/tempo/wal");
  REQUIRE(other.try_acquire("t", &held).is_ok());
  CHECK_FALSE(held);
  // Had the first run still been alive, its next renewal would have found the lease gone.
  REQUIRE(before.renew("t", &held).is_ok());
  CHECK_FALSE(held);
  CHECK(after.held("t"));
}
