#include "tempo/generator/registry.h"

#include <catch2/catch.hpp>
#include <tuple>

#include "generator/generator_testing.h"

using namespace tempo;
using namespace tempo::generator;
using namespace tempo::generator::testing;

namespace {

RegistryOptions opts() {
  RegistryOptions o;
  o.tenant = "registry-test";
  return o;
}

const Sample* find(const std::vector<Sample>& samples, const std::string& text, int64_t ts) {
  for (const auto& s : samples) {
    if (series_text(s) == text && s.timestamp_ms == ts) return &s;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("registry: a counter is collected with sorted labels, a zero first, then its value") {
  auto o = opts();
  o.external_labels = {{"cluster", "eu-1"}, {"a_first", "x"}};
  o.instance = "host-1";
  Registry r(o);
  Family& c = r.counter("my_total", {"zeta", "alpha"});
  r.set_now(100);
  const std::string_view v1[] = {"z", "a"};
  CHECK(c.inc(v1, 1));
  CHECK(c.inc(v1, 2.5));
  std::vector<Sample> out;
  r.collect(1000, &out);
  REQUIRE(out.size() == 2);
  // The zero 1ms earlier, so a rate over the first increment is seen.
  CHECK(out[0].timestamp_ms == 999);
  CHECK(out[0].value == 0);
  CHECK(out[1].timestamp_ms == 1000);
  CHECK(out[1].value == 3.5);
  const std::vector<Label> want = {{"__metrics_gen_instance", "host-1"},
                                   {"__name__", "my_total"},
                                   {"a_first", "x"},
                                   {"alpha", "a"},
                                   {"cluster", "eu-1"},
                                   {"zeta", "z"}};
  CHECK(out[0].labels == want);
  CHECK(out[1].labels == want);

  // From the second collection on, one sample per series.
  out.clear();
  CHECK(c.inc(v1, 1));
  r.collect(2000, &out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].value == 4.5);
  CHECK(out[0].timestamp_ms == 2000);
}

TEST_CASE(
    "registry: empty label values leave the label off, a series label beats an external one") {
  auto o = opts();
  o.external_labels = {{"service", "external"}};
  Registry r(o);
  Family& c = r.counter("c_total", {"service", "status_message"});
  const std::string_view v[] = {"api", ""};
  c.inc(v, 1);
  std::vector<Sample> out;
  r.collect(10, &out);
  CHECK(values(out) == std::map<std::string, double>{{"c_total{service=\"api\"}", 1}});
}

TEST_CASE(
    "registry: histogram buckets are cumulative and upper-inclusive, with sum, count and one "
    "exemplar") {
  Registry r(opts());
  Family& h = r.histogram("lat", {"svc"}, {1, 2});
  r.set_now(50);
  const std::string_view v[] = {"a"};
  h.observe(v, 0.5, "t1");
  h.observe(v, 1, "t2");  // le="1" holds 1
  h.observe(v, 3, "t3");
  std::vector<Sample> out;
  r.collect(100, &out);
  CHECK(values(out) == std::map<std::string, double>{{"lat_bucket{le=\"+Inf\",svc=\"a\"}", 3},
                                                     {"lat_bucket{le=\"1\",svc=\"a\"}", 2},
                                                     {"lat_bucket{le=\"2\",svc=\"a\"}", 2},
                                                     {"lat_count{svc=\"a\"}", 3},
                                                     {"lat_sum{svc=\"a\"}", 4.5}});
  // The last observation's trace is the exemplar of the bucket it fell in, sent once.
  const Sample* inf = find(out, "lat_bucket{le=\"+Inf\",svc=\"a\"}", 100);
  REQUIRE(inf);
  REQUIRE(inf->exemplars.size() == 1);
  CHECK(inf->exemplars[0].labels == std::vector<Label>{{"trace_id", "t3"}});
  CHECK(inf->exemplars[0].value == 3);
  CHECK(inf->exemplars[0].timestamp_ms == 50);
  const Sample* le1 = find(out, "lat_bucket{le=\"1\",svc=\"a\"}", 100);
  REQUIRE(le1);
  CHECK(le1->exemplars.empty());
  out.clear();
  r.collect(200, &out);
  for (const auto& s : out) CHECK(s.exemplars.empty());
  CHECK(out.size() == 5);
  CHECK(r.active_series() == 5);  // 3 buckets + sum + count
}

TEST_CASE("registry: series idle for stale_duration are removed and stop counting as active") {
  auto o = opts();
  o.stale_ms = 1000;
  Registry r(o);
  Family& c = r.counter("c_total", {"k"});
  const std::string_view a[] = {"a"}, b[] = {"b"};
  r.set_now(0);
  c.inc(a, 1);
  r.set_now(900);
  c.inc(b, 1);
  std::vector<Sample> out;
  r.collect(1000, &out);  // a updated at 0: exactly stale_duration ago, kept
  CHECK(values(out).size() == 2);
  CHECK(r.active_series() == 2);
  out.clear();
  r.collect(1001, &out);  // a is now older than stale_duration
  CHECK(values(out) == std::map<std::string, double>{{"c_total{k=\"b\"}", 1}});
  CHECK(r.active_series() == 1);
  // A series that comes back starts again from zero.
  r.set_now(1100);
  c.inc(a, 5);
  out.clear();
  r.collect(1200, &out);
  CHECK(values(out) ==
        std::map<std::string, double>{{"c_total{k=\"a\"}", 5}, {"c_total{k=\"b\"}", 1}});
}

TEST_CASE(
    "registry: max_active_series refuses new series and counts them, existing ones still update") {
  auto o = opts();
  o.max_active_series = 7;
  Registry r(o);
  Family& c = r.counter("c_total", {"k"});
  Family& h = r.histogram("h", {"k"}, {1, 2});  // 5 series per label set
  const std::string_view a[] = {"a"}, b[] = {"b"}, x[] = {"x"};
  CHECK(c.inc(a, 1));
  CHECK(c.inc(b, 1));
  CHECK(h.observe(a, 1, ""));  // 2 + 5 = 7
  CHECK_FALSE(c.inc(x, 1));    // 8 > 7
  CHECK_FALSE(h.observe(b, 1, ""));
  CHECK(r.refused_series() == 2);
  CHECK(c.inc(a, 1));  // existing
  CHECK(r.active_series() == 7);
  std::vector<Sample> out;
  r.collect(1, &out);
  CHECK(values(out)["c_total{k=\"a\"}"] == 2);
  CHECK(values(out).count("c_total{k=\"x\"}") == 0);
}

TEST_CASE("registry: label names are sanitized and truncated, values truncated") {
  auto o = opts();
  o.max_label_name_length = 6;
  o.max_label_value_length = 3;
  Registry r(o);
  Family& c = r.counter("c_total", {"http.method", "k8s-pod"});
  const std::string_view v[] = {"GETTING", "pod"};
  c.inc(v, 1);
  std::vector<Sample> out;
  r.collect(1, &out);
  CHECK(values(out) ==
        std::map<std::string, double>{{"c_total{http_m=\"GET\",k8s_po=\"pod\"}", 1}});
}

TEST_CASE("registry: sanitize_label_name and format_le follow Prometheus") {
  CHECK(sanitize_label_name("http.status_code") == "http_status_code");
  CHECK(sanitize_label_name("a-b/c d") == "a_b_c_d");
  CHECK(sanitize_label_name("ok_Name9") == "ok_Name9");
  CHECK(sanitize_label_name("ünï") == "__n__");  // a character of two UTF-8 bytes: two
  CHECK(format_le(0.002) == "0.002");
  CHECK(format_le(16.384) == "16.384");
  CHECK(format_le(1) == "1");
  CHECK(format_le(0.1) == "0.1");
  CHECK(format_le(1.0 / 0.0) == "+Inf");
}

TEST_CASE(
    "registry: merge sums shard counters and histograms, takes the later gauge and exemplar") {
  Registry total(opts());
  auto so = opts();
  so.shard = true;
  Registry a(so), b(so);
  // The same processors build the same families in every shard registry.
  auto families = [](Registry& r) {
    return std::make_tuple(&r.counter("calls_total", {"svc"}), &r.gauge("info", {"svc"}),
                           &r.histogram("latency", {"svc"}, {1, 2}));
  };
  auto [ac, ag, ah] = families(a);
  auto [bc, bg, bh] = families(b);
  const std::string_view x[] = {"x"}, y[] = {"y"};
  a.set_now(100);
  CHECK(ac->inc(x, 2));
  CHECK(ag->set(x, 5));
  CHECK(ah->observe(x, 0.5, "aaa"));
  b.set_now(200);
  CHECK(bc->inc(x, 3));
  CHECK(bc->inc(y, 1));  // only in b
  CHECK(bg->set(x, 7));  // later than a's 5
  CHECK(bh->observe(x, 1.5, "bbb"));
  CHECK(bh->observe(x, 3, ""));
  total.merge(b);  // the order of merges does not change the sums or the later values
  total.merge(a);
  CHECK(ac->series_count() == 0);  // merged shards are empty
  CHECK(bc->series_count() == 0);
  CHECK(total.active_series() == 1 + 1 + 1 + (2 + 3));  // calls x, y; info x; latency x
  std::vector<Sample> out;
  total.collect(1000, &out);
  CHECK(find(out, "calls_total{svc=\"x\"}", 1000)->value == 5);
  CHECK(find(out, "calls_total{svc=\"x\"}", 999)->value == 0);  // new: a zero first
  CHECK(find(out, "calls_total{svc=\"y\"}", 1000)->value == 1);
  CHECK(find(out, "info{svc=\"x\"}", 1000)->value == 7);
  CHECK(find(out, "latency_bucket{le=\"1\",svc=\"x\"}", 1000)->value == 1);
  CHECK(find(out, "latency_bucket{le=\"2\",svc=\"x\"}", 1000)->value == 2);
  const Sample* inf = find(out, "latency_bucket{le=\"+Inf\",svc=\"x\"}", 1000);
  CHECK(inf->value == 3);
  CHECK(find(out, "latency_sum{svc=\"x\"}", 1000)->value == 5);
  CHECK(find(out, "latency_count{svc=\"x\"}", 1000)->value == 3);
  // b's exemplar (200ms) is later than a's (100ms); it sits in the le="2" bucket.
  const Sample* le2 = find(out, "latency_bucket{le=\"2\",svc=\"x\"}", 1000);
  REQUIRE(le2->exemplars.size() == 1);
  CHECK(le2->exemplars[0].labels == std::vector<Label>{{"trace_id", "bbb"}});
  CHECK(find(out, "latency_bucket{le=\"1\",svc=\"x\"}", 1000)->exemplars.empty());

  // A second round adds to what was collected; a series already known is not fresh again.
  a.set_now(1500);
  CHECK(ac->inc(x, 10));
  total.merge(a);
  out.clear();
  total.collect(2000, &out);
  CHECK(find(out, "calls_total{svc=\"x\"}", 2000)->value == 15);
  CHECK(find(out, "calls_total{svc=\"x\"}", 1999) == nullptr);
}

TEST_CASE("registry: merge admits new series against the collected registry's limit") {
  auto o = opts();
  o.max_active_series = 2;
  Registry total(o);
  auto so = o;
  so.shard = true;
  Registry a(so), b(so);
  Family& ac = a.counter("calls_total", {"svc"});
  Family& bc = b.counter("calls_total", {"svc"});
  const std::string_view s1[] = {"s1"}, s2[] = {"s2"}, s3[] = {"s3"};
  CHECK(ac.inc(s1, 1));
  CHECK(ac.inc(s2, 1));
  CHECK_FALSE(ac.inc(s3, 1));  // a shard holds no more than the limit either
  CHECK(bc.inc(s3, 1));
  CHECK(bc.inc(s1, 4));
  total.merge(a);
  total.merge(b);  // s3 would be a third series: refused; s1 is known and adds up
  CHECK(total.active_series() == 2);
  CHECK(total.refused_series() == 1);
  std::vector<Sample> out;
  total.collect(1000, &out);
  auto got = values(out);
  CHECK(got == std::map<std::string, double>{{"calls_total{svc=\"s1\"}", 5},
                                             {"calls_total{svc=\"s2\"}", 1}});
}
