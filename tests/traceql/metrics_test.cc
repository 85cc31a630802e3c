// TraceQL metrics on the engine's fixed dataset (engine_dataset.h): every function's series
// with exact values, Tempo's step alignment, and the merge of per-trace partials equal to one
// evaluation over everything.
//
// With start = kBase, end = kBase + 30 s, step = 10 s, alignment gives the range
// (kBase - 10 s, kBase + 30 s] in four intervals stamped kBase, +10 s, +20 s, +30 s:
//   0: "GET /cart" (starts exactly at kBase, so in the interval it closes)
//   1: "cart.get", "SELECT", "auth.check", "charge" (starts exactly at +10 s)
//   2: "card.verify" (+10.1 s), "orphan" (+20 s)
//   3: nothing

#include "tempo/traceql/metrics.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <set>

#include "tempo/columnar/otlp_columns.h"
#include "tempo/traceql/parser.h"
#include "traceql/engine_dataset.h"

using namespace tempo;
using namespace tempo::traceql;
using engine_testing::kBase;

namespace {

constexpr uint64_t kS = 1000000000ULL;
const double N = std::nan("");

MetricsRequest range_request(uint32_t exemplars = 0) {
  MetricsRequest r;
  r.start_ns = kBase;
  r.end_ns = kBase + 30 * kS;
  r.step_ns = 10 * kS;
  r.exemplars = exemplars;
  align(&r);
  return r;
}

std::unique_ptr<MetricsQuery> compile(const std::string& query, const MetricsRequest& req) {
  RootExpr root;
  Status s = parse(query, &root);
  INFO(query << ": " << s.to_string());
  REQUIRE(s.is_ok());
  std::unique_ptr<MetricsQuery> q;
  s = MetricsQuery::compile(std::move(root), req, &q);
  INFO(s.to_string());
  REQUIRE(s.is_ok());
  return q;
}

std::vector<MetricsSeries> run(const std::string& query, const MetricsRequest& req) {
  auto q = compile(query, req);
  columnar::SpanTable t;
  engine_testing::build_dataset(&t);
  MetricsPartial p;
  q->observe(t, &p);
  return q->finish(p);
}

// One trace per table, one partial per table, merged in reverse order.
std::vector<MetricsSeries> run_split(const std::string& query, const MetricsRequest& req) {
  auto q = compile(query, req);
  std::vector<MetricsPartial> parts;
  for (const auto& [id, d] : engine_testing::dataset()) {
    columnar::SpanTable t;
    columnar::SpanTableBuilder b(&t);
    b.add_trace(id, d);
    b.finish();
    parts.emplace_back();
    q->observe(t, &parts.back());
  }
  MetricsPartial merged;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) merged.merge(*it, *q);
  return q->finish(merged);
}

std::string label_text(const std::vector<MetricsLabel>& labels) {
  std::string out = "{";
  for (const auto& l : labels) {
    if (out.size() > 1) out += ",";
    out += l.name + "=" + l.value.to_text();
  }
  return out + "}";
}

// Series by label text; values compared with NaN meaning "no sample".
using Want = std::map<std::string, std::vector<double>>;

void check(const std::vector<MetricsSeries>& got, const Want& want) {
  std::map<std::string, std::vector<double>> have;
  for (const auto& s : got) have[label_text(s.labels)] = s.values;
  std::vector<std::string> got_keys, want_keys;
  for (const auto& [k, v] : have) got_keys.push_back(k);
  for (const auto& [k, v] : want) want_keys.push_back(k);
  REQUIRE(got_keys == want_keys);
  for (const auto& [k, v] : want) {
    INFO(k);
    const auto& g = have[k];
    REQUIRE(g.size() == v.size());
    for (size_t i = 0; i < v.size(); ++i) {
      INFO("interval " << i);
      if (std::isnan(v[i])) {
        CHECK(std::isnan(g[i]));
      } else {
        CHECK(g[i] == Approx(v[i]).epsilon(1e-12));
      }
    }
  }
}

bool same(const std::vector<MetricsSeries>& a, const std::vector<MetricsSeries>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].labels != b[i].labels || a[i].values.size() != b[i].values.size()) return false;
    for (size_t j = 0; j < a[i].values.size(); ++j) {
      const double x = a[i].values[j], y = b[i].values[j];
      if (!(x == y || (std::isnan(x) && std::isnan(y)))) return false;
    }
    if (a[i].exemplars.size() != b[i].exemplars.size()) return false;
    for (size_t j = 0; j < a[i].exemplars.size(); ++j) {
      if (a[i].exemplars[j].labels != b[i].exemplars[j].labels ||
          a[i].exemplars[j].timestamp_ms != b[i].exemplars[j].timestamp_ms) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace

TEST_CASE("metrics: step alignment and intervals as Tempo's") {
  MetricsRequest r = range_request();
  CHECK(r.start_ns == kBase - 10 * kS);
  CHECK(r.end_ns == kBase + 30 * kS);
  IntervalMapper m(r);
  REQUIRE(m.count() == 4);
  CHECK(m.interval(kBase - 10 * kS) == -1);  // the start is open
  CHECK(m.interval(kBase) == 0);             // the end of an interval is closed
  CHECK(m.interval(kBase + 1) == 1);
  CHECK(m.interval(kBase + 30 * kS) == 3);
  CHECK(m.interval(kBase + 30 * kS + 1) == -1);
  CHECK(m.timestamp_ms(0) == static_cast<int64_t>(kBase / 1000000));
  CHECK(m.timestamp_ms(3) == static_cast<int64_t>((kBase + 30 * kS) / 1000000));

  MetricsRequest odd;  // unaligned input: start down, end up, one extra interval first
  odd.start_ns = kBase + 3 * kS;
  odd.end_ns = kBase + 17 * kS;
  odd.step_ns = 10 * kS;
  align(&odd);
  CHECK(odd.start_ns == kBase - 10 * kS);
  CHECK(odd.end_ns == kBase + 20 * kS);

  CHECK(default_step_ns(0, 3600 * kS) == 15 * kS);
  CHECK(default_step_ns(0, 30 * kS) == 100000000ULL);     // under a minute: 50 ms multiples
  CHECK(default_step_ns(0, 24 * 3600 * kS) == 300 * kS);  // 360 s rounds down to 5 min
  CHECK(default_step_ns(0, 10 * kS) == 50000000ULL);
}

TEST_CASE("metrics: log2 buckets and quantiles as Tempo computes them") {
  CHECK(log2_bucketize(2) == 2);
  CHECK(log2_bucketize(3) == 4);
  CHECK(log2_bucketize(100000000) == 134217728);
  CHECK(log2_bucketize(1) == -1);
  std::vector<std::pair<double, int64_t>> b = {{1, 1}, {2, 1}, {4, 2}};
  CHECK(log2_quantile(0.5, b) == 2);  // ceil(0.5*4) = 2 samples end exactly in bucket 2
  CHECK(log2_quantile(1, b) == 4);
  CHECK(log2_quantile(0, b) == 1);
  // 3 samples: bucket 4 holds 2, the third sample is halfway: 2^(1 + 0.5)
  CHECK(log2_quantile(0.75, b) == Approx(std::pow(2, 1.5)));
}

TEST_CASE("metrics: every function on the fixed dataset") {
  const auto r = range_request();
  check(run("{ } | count_over_time()", r), {{"{__name__=count_over_time}", {1, 4, 2, 0}}});
  check(run("{ } | rate()", r), {{"{__name__=rate}", {0.1, 0.4, 0.2, 0}}});
  check(run("{ } | rate() by (resource.service.name)", r),
        {{"{resource.service.name=auth}", {0, 0.1, 0, 0}},
         {"{resource.service.name=cart}", {0, 0.1, 0, 0}},
         {"{resource.service.name=db}", {0, 0.1, 0, 0}},
         {"{resource.service.name=email}", {0, 0, 0.1, 0}},
         {"{resource.service.name=frontend}", {0.1, 0, 0, 0}},
         {"{resource.service.name=payment}", {0, 0.1, 0.1, 0}}});
  check(run("{ status = error } | count_over_time() by (name)", r),
        {{"{name=SELECT}", {0, 1, 0, 0}}, {"{name=charge}", {0, 1, 0, 0}}});
  check(run("{ } | sum_over_time(duration)", r),
        {{"{__name__=sum_over_time}", {0.1, 2.075, 1.51, N}}});
  check(run("{ } | avg_over_time(duration)", r),
        {{"{__name__=avg_over_time}", {0.1, 2.075 / 4, 1.51 / 2, N}}});
  check(run("{ } | min_over_time(duration)", r),
        {{"{__name__=min_over_time}", {0.1, 0.005, 0.01, N}}});
  check(run("{ } | max_over_time(duration)", r),
        {{"{__name__=max_over_time}", {0.1, 2.0, 1.5, N}}});
  check(run("{ } | sum_over_time(span.http.status_code)", r),
        {{"{__name__=sum_over_time}", {N, 200, 500, N}}});
  check(run("{ } | max_over_time(duration) by (resource.service.name) > 1", r),
        {{"{resource.service.name=payment}", {N, 2.0, 1.5, N}}});
  check(run("{ } | quantile_over_time(duration, 0, 0.5, 0.9)", r),
        {{"{p=0}", {0.134217728, 0.008388608, 0.016777216, 0}},
         {"{p=0.5}", {0.134217728, 0.033554432, 0.016777216, 0}},
         {"{p=0.90000000000000002}", {0.134217728, 2.147483648, 2.147483648, 0}}});
  check(run("{ resource.service.name = \"payment\" } | histogram_over_time(duration)", r),
        {{"{__bucket=2.1474836480000001}", {0, 1, 1, 0}}});
  check(run("{ } | histogram_over_time(duration) by (kind)", r),
        {{"{kind=client,__bucket=0.033554432000000002}", {0, 1, 0, 0}},
         {"{kind=client,__bucket=0.067108864000000004}", {0, 1, 0, 0}},
         {"{kind=internal,__bucket=0.0083886080000000005}", {0, 1, 0, 0}},
         {"{kind=internal,__bucket=2.1474836480000001}", {0, 0, 1, 0}},
         {"{kind=producer,__bucket=0.016777216000000001}", {0, 0, 1, 0}},
         {"{kind=server,__bucket=0.13421772800000001}", {1, 0, 0, 0}},
         {"{kind=server,__bucket=2.1474836480000001}", {0, 1, 0, 0}}});
  // A span without the by() attribute has no label for it; without any, the first by() is "nil".
  check(run("{ } | count_over_time() by (span.http.status_code)", r),
        {{"{span.http.status_code=200}", {0, 1, 0, 0}},
         {"{span.http.status_code=500}", {0, 0, 1, 0}},
         {"{span.http.status_code=nil}", {1, 3, 1, 0}}});
  // Second stage: per interval the k largest; ties go to the labels that sort last, as Tempo.
  check(run("{ } | count_over_time() by (resource.service.name) | topk(1)", r),
        {{"{resource.service.name=frontend}", {1, N, N, N}},
         {"{resource.service.name=payment}", {N, 1, 1, 0}}});
  // Stages run in order: bottomk first would keep the zeros, which the filter then drops.
  // Ties in bottomk go to the labels that sort first.
  check(run("{ } | count_over_time() by (resource.service.name) | bottomk(1) > 0", r), {});
  check(run("{ } | count_over_time() by (resource.service.name) > 0 | bottomk(1)", r),
        {{"{resource.service.name=auth}", {N, 1, N, N}},
         {"{resource.service.name=email}", {N, N, 1, N}},
         {"{resource.service.name=frontend}", {1, N, N, N}}});
  check(run("{ } | rate() with(sample=0.1)", r), {{"{__name__=rate}", {0.1, 0.4, 0.2, 0}}});
}

TEST_CASE("metrics: compare() splits counts into selection and baseline per attribute") {
  const auto r = range_request();
  auto got = run("{ } | compare({ status = error }, 10)", r);
  std::map<std::string, std::vector<double>> have;
  for (const auto& s : got) have[label_text(s.labels)] = s.values;
  // Errors: SELECT (interval 1), charge (interval 1).
  CHECK(have["{__meta_type=selection,name=SELECT}"] == std::vector<double>{0, 1, 0, 0});
  CHECK(have["{__meta_type=selection,resource.service.name=payment}"] ==
        std::vector<double>{0, 1, 0, 0});
  CHECK(have["{__meta_type=selection_total,name=nil}"] == std::vector<double>{0, 2, 0, 0});
  CHECK(have["{__meta_type=baseline_total,name=nil}"] == std::vector<double>{1, 2, 2, 0});
  CHECK(have["{__meta_type=baseline,resource.service.name=payment}"] ==
        std::vector<double>{0, 0, 1, 0});
  CHECK(have["{__meta_type=baseline,span.http.status_code=200}"] ==
        std::vector<double>{0, 1, 0, 0});
  CHECK(have.count("{__meta_type=baseline,status=error}") == 0);
  // topN 1 keeps the most frequent value of each attribute.
  auto top1 = run("{ } | compare({ status = error }, 1)", r);
  int names = 0;
  for (const auto& s : top1) {
    if (s.labels[0].value.s == "baseline" && s.labels[1].name == "name") ++names;
  }
  CHECK(names == 1);
}

TEST_CASE("metrics: compare() puts exemplars on the totals, as Tempo does") {
  auto got = run("{ } | compare({ status = error }, 10)", range_request(5));
  std::map<std::string, const MetricsSeries*> by;
  for (const auto& s : got) by[label_text(s.labels)] = &s;
  // The two error spans (db SELECT in trace A, payment charge in trace B) are the selection.
  const auto* sel = by.at("{__meta_type=selection_total,name=nil}");
  REQUIRE(sel->exemplars.size() == 2);
  std::set<std::string> names_of_traces;
  for (const auto& e : sel->exemplars) {
    CHECK(std::isnan(e.value));
    REQUIRE(e.labels.size() == 2);
    CHECK(e.labels[1].name == "trace:id");
    names_of_traces.insert(e.labels[1].value.s.substr(0, 2));
  }
  CHECK(names_of_traces == std::set<std::string>{"0a", "0b"});
  // Only spans that have the attribute are offered to its total: db.system is on SELECT only.
  const auto* db = by.at("{__meta_type=selection_total,span.db.system=nil}");
  REQUIRE(db->exemplars.size() == 1);
  CHECK(db->exemplars[0].labels[1].value.s.substr(0, 2) == "0a");
  // The baseline total holds the other five spans, capped at the request's 5.
  CHECK(by.at("{__meta_type=baseline_total,name=nil}")->exemplars.size() == 5);
  // Value series carry none.
  CHECK(by.at("{__meta_type=selection,name=SELECT}")->exemplars.empty());
  auto without = run("{ } | compare({ status = error }, 10)", range_request(0));
  for (const auto& s : without) CHECK(s.exemplars.empty());
}

TEST_CASE("metrics: instant queries have one interval over [start, end]") {
  MetricsRequest r;
  r.start_ns = kBase;
  r.end_ns = kBase + 30 * kS;
  r.step_ns = 30 * kS;
  r.instant = true;
  check(run("{ } | count_over_time()", r), {{"{__name__=count_over_time}", {7}}});
  check(run("{ } | rate()", r), {{"{__name__=rate}", {7.0 / 30}}});
  check(run("{ } | max_over_time(duration) by (resource.service.name) | topk(1)", r),
        {{"{resource.service.name=payment}", {2.0}}});
}

TEST_CASE("metrics: exemplars are the earliest spans of each series") {
  auto got = run("{ } | max_over_time(duration) by (resource.service.name)", range_request(1));
  std::map<std::string, const MetricsSeries*> by;
  for (const auto& s : got) by[label_text(s.labels)] = &s;
  const auto* pay = by.at("{resource.service.name=payment}");
  REQUIRE(pay->exemplars.size() == 1);
  CHECK(pay->exemplars[0].timestamp_ms == static_cast<int64_t>((kBase + 10 * kS) / 1000000));
  CHECK(pay->exemplars[0].value == 2.0);
  REQUIRE(pay->exemplars[0].labels.size() == 2);
  CHECK(pay->exemplars[0].labels[0].name == "span:id");
  CHECK(pay->exemplars[0].labels[0].value.s == "b000000000000001");
  CHECK(pay->exemplars[0].labels[1].name == "trace:id");
  CHECK(pay->exemplars[0].labels[1].value.s == "0b000000000000000000000000000000");
  auto none = run("{ } | max_over_time(duration) by (resource.service.name)", range_request(0));
  for (const auto& s : none) CHECK(s.exemplars.empty());
}

TEST_CASE("metrics: merging per-trace partials equals one evaluation") {
  const char* queries[] = {
      "{ } | rate()",
      "{ } | rate() by (resource.service.name)",
      "{ } | count_over_time() by (name, kind)",
      "{ } | sum_over_time(duration) by (resource.service.name)",
      "{ } | avg_over_time(duration)",
      "{ } | avg_over_time(span.http.status_code)",
      "{ } | min_over_time(duration)",
      "{ } | max_over_time(duration) by (status)",
      "{ } | quantile_over_time(duration, 0.5, 0.99) by (resource.service.name)",
      "{ } | histogram_over_time(duration)",
      "{ } | compare({ status = error })",
      "{ } | rate() by (name) | topk(2)",
      "{ } | count_over_time() by (name) > 0 | bottomk(3)",
  };
  for (uint32_t ex : {0u, 1u, 5u}) {
    for (const char* query : queries) {
      INFO(query << " exemplars=" << ex);
      const auto r = range_request(ex);
      auto one = run(query, r);
      auto split = run_split(query, r);
      CHECK_FALSE(one.empty());
      CHECK(same(one, split));
    }
  }
}

TEST_CASE("metrics: queries that cannot run are refused with a reason") {
  auto fails = [](const std::string& query, const MetricsRequest& req) {
    RootExpr root;
    Status s = parse(query, &root);
    if (!s.is_ok()) return s;
    std::unique_ptr<MetricsQuery> q;
    return MetricsQuery::compile(std::move(root), req, &q);
  };
  const auto r = range_request();
  Status s = fails("{ }", r);
  CHECK(s.is(Status::Code::kInvalidArgument));
  CHECK(s.message().find("not a metrics query") != std::string::npos);
  MetricsRequest zero = r;
  zero.step_ns = 0;
  CHECK(fails("{ } | rate()", zero).message() == "step must be greater than 0");
  MetricsRequest back = r;
  back.end_ns = back.start_ns;
  CHECK(fails("{ } | rate()", back).message() == "end must be greater than start");
  CHECK(fails("{ } | compare({ status = error }, 1001)", r).message().find("between 1 and 1000") !=
        std::string::npos);
  CHECK(fails("{ } | compare({ status = error }, 10, 5, 3)", r)
            .message()
            .find("greater than start") != std::string::npos);
}
