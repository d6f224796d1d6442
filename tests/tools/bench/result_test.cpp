#include "tools/bench/report.hpp"
#include "tools/bench/result.hpp"

#include <gtest/gtest.h>

namespace zchat::bench {
namespace {

run_result sample_run(std::string target, double rate) {
    run_result r;
    r.target = std::move(target);
    r.offered_rate = rate;
    r.clients = 10;
    r.publishers = 2;
    r.payload_bytes = 64;
    r.seconds = 2;
    r.lines_due = static_cast<std::uint64_t>(rate * 2);
    r.lines_sent = r.lines_due;
    r.lines_acked = r.lines_due;
    r.deliveries_due = r.lines_due * 10;
    r.deliveries = r.deliveries_due;
    for (std::uint64_t i = 1; i <= 1000; ++i) {
        r.e2e_latency.record(i * 1000);
        r.ack_latency.record(i * 500);
        r.send_lag.record(i * 10);
    }
    r.broker_cpu_seconds = 1.0;
    r.broker_peak_rss_kib = 8192;
    r.bench_cpu_seconds = 0.5;
    r.bench_loop_cpu_seconds = 0.4;
    return r;
}

TEST(Result, RatesAndLossFollowFromTheCounts) {
    run_result r = sample_run("zchat", 1000);
    EXPECT_DOUBLE_EQ(expected_deliveries(r), 20000);
    EXPECT_DOUBLE_EQ(achieved_rate(r), 1000);
    EXPECT_DOUBLE_EQ(delivery_rate(r), 10000);
    EXPECT_DOUBLE_EQ(loss_fraction(r), 0);
    r.deliveries = 19000;
    r.gap_loss = 500;
    EXPECT_DOUBLE_EQ(loss_fraction(r), 0.05);
    EXPECT_DOUBLE_EQ(per_subscriber_loss(r), 0.025);
    EXPECT_DOUBLE_EQ(*broker_cpu_per_delivery_us(r), 1e6 / 19000);
    r.broker_cpu_seconds.reset();
    EXPECT_FALSE(broker_cpu_per_delivery_us(r));
}

// Over rooms a line is due to its room's clients only: the workers count what is due, and loss
// is measured against that, not against lines x all clients.
TEST(Result, LossOverRoomsIsCountedAgainstTheRoomsMembers) {
    run_result r = sample_run("zchat", 1000); // 2,000 lines due, 10 clients
    r.rooms = 3;
    r.deliveries_due = 7000; // say 1,000 lines in a room of 4, 500 in each room of 3
    r.deliveries = 7000;
    EXPECT_DOUBLE_EQ(expected_deliveries(r), 7000);
    EXPECT_DOUBLE_EQ(loss_fraction(r), 0);
    r.deliveries = 6930;
    EXPECT_DOUBLE_EQ(loss_fraction(r), 0.01);
}

TEST(Result, RatioIsZchatOverBaselineAndUndefinedWithoutOne) {
    EXPECT_DOUBLE_EQ(*ratio(3.0, 4.0), 0.75);
    EXPECT_FALSE(ratio(3.0, 0.0));
    EXPECT_FALSE(ratio(std::nullopt, 1.0));
    EXPECT_FALSE(ratio(1.0, std::nullopt));
}

TEST(Result, ACapacityStepPassesOnlyWithinTheLimits) {
    run_result r = sample_run("zchat", 1000);
    EXPECT_TRUE(passes(r));
    r.deliveries = r.deliveries - r.deliveries / 500; // 0.2 % lost
    EXPECT_EQ(failure_reason(r), "loss 0.2 % > 0.1 %");
    r = sample_run("zchat", 1000);
    r.e2e_latency.record(60'000'000, 100); // p99 now 60 ms
    EXPECT_EQ(failure_reason(r), "end-to-end p99 60.0 ms > 50 ms");
    r = sample_run("zchat", 1000);
    r.lines_acked = r.lines_due / 2;
    EXPECT_FALSE(passes(r));
    EXPECT_DOUBLE_EQ(next_capacity_rate(1000), 1500);
}

TEST(Result, TheGeneratorIsBlamedWhenItsLoopIsBusyOrLate) {
    run_result r = sample_run("zchat", 1000);
    EXPECT_FALSE(generator_bound(r));
    r.bench_loop_cpu_seconds = 1.9; // of a 2 s window
    EXPECT_TRUE(generator_bound(r));
    EXPECT_EQ(generator_note(r), "the bench's client loop was 95 % busy");
    r = sample_run("zchat", 1000);
    r.send_lag.record(20'000'000, 100);
    EXPECT_TRUE(generator_bound(r));
}

TEST(Report, ThousandsAreGrouped) {
    EXPECT_EQ(thousands(0), "0");
    EXPECT_EQ(thousands(999), "999");
    EXPECT_EQ(thousands(1000), "1,000");
    EXPECT_EQ(thousands(412345.4), "412,345");
    EXPECT_EQ(thousands(1234567), "1,234,567");
}

TEST(Report, TheCapacityLineEndsWithTheRatioToTheBaseline) {
    comparison c{sample_run("zchat", 412345), sample_run("baseline", 443382), std::nullopt};
    EXPECT_EQ(ratio_line("capacity", c),
              "capacity 412,345 lines/s x 10 clients (4,123,450 deliveries/s) = 0.93x baseline");
    c.baseline.reset();
    EXPECT_EQ(ratio_line("capacity", c),
              "capacity 412,345 lines/s x 10 clients (4,123,450 deliveries/s) (no baseline)");
}

TEST(Report, TheClosingLineGivesTheRatioToTheOneHopLimitAfterTheBaseline) {
    comparison c{sample_run("zchat", 412345), sample_run("baseline", 443382),
                 sample_run("one-hop", 1030862)};
    EXPECT_EQ(ratio_line("capacity", c), "capacity 412,345 lines/s x 10 clients (4,123,450 "
                                         "deliveries/s) = 0.93x baseline, 0.40x one-hop");
    c = comparison{sample_run("zchat", 1000), sample_run("baseline", 1000),
                   sample_run("one-hop", 1000)};
    c.one_hop->deliveries /= 2;
    const std::string line = ratio_line("fixed", c);
    EXPECT_TRUE(line.ends_with("= 1.00x baseline deliveries, p99 1.00x baseline; 2.00x one-hop "
                               "deliveries, p99 1.00x one-hop"))
        << line;
}

TEST(Report, TheClosingLineSaysHowManyRoomsTheClientsAreIn) {
    comparison c{sample_run("zchat", 1000), std::nullopt, std::nullopt};
    c.zchat.rooms = 3;
    const std::string line = ratio_line("fixed", c);
    EXPECT_TRUE(line.starts_with("fixed 1,000 lines/s x 10 clients in 3 rooms: 10,000 "
                                 "deliveries/s"))
        << line;
}

TEST(Report, LatencyIsComparedAtEachRateBothPassed) {
    std::vector<run_result> steps{sample_run("zchat", 1000), sample_run("zchat", 1500),
                                  sample_run("baseline", 1000), sample_run("baseline", 1500)};
    steps[3].lines_acked = 0; // the baseline failed at 1,500 lines/s
    steps[3].deliveries = 0;
    steps[2].e2e_latency = histogram{};
    for (std::uint64_t i = 1; i <= 1000; ++i)
        steps[2].e2e_latency.record(i * 2000);
    EXPECT_EQ(equal_load_lines(steps),
              "  at 1,000 lines/s: e2e p50 0.502 / 1.00 ms (0.50x), p99 0.991 / 1.98 ms (0.50x)\n");
    EXPECT_EQ(equal_load_lines({sample_run("zchat", 1000)}), "");
}

TEST(Report, TheTableHasEveryFigureAndARatioColumn) {
    const comparison c{sample_run("zchat", 1000), sample_run("baseline", 1000), std::nullopt};
    const std::string table = human_table(c);
    for (const auto& f : figures(c.zchat))
        EXPECT_NE(table.find(f.label), std::string::npos) << f.label;
    EXPECT_NE(table.find("ratio"), std::string::npos);
    EXPECT_NE(table.find("1.00x"), std::string::npos);
    const std::string three = human_table(
        {sample_run("zchat", 1000), sample_run("baseline", 1000), sample_run("one-hop", 500)});
    const std::string header = three.substr(0, three.find('\n'));
    EXPECT_NE(header.find("baseline"), std::string::npos) << header;
    EXPECT_NE(header.find("one-hop"), std::string::npos) << header;
}

TEST(Report, CsvRowsHaveAsManyColumnsAsTheHeader) {
    const comparison c{sample_run("zchat", 1000), sample_run("baseline", 1000), std::nullopt};
    const auto columns = [](const std::string& line) {
        return std::count(line.begin(), line.end(), ',');
    };
    const std::string header = csv_header();
    const std::string rows = csv_rows("fixed", c);
    const auto first_end = rows.find('\n');
    EXPECT_EQ(columns(header), columns(rows.substr(0, first_end)));
    EXPECT_EQ(std::count(rows.begin(), rows.end(), '\n'), 2);
    const std::string three =
        csv_rows("fixed", {sample_run("zchat", 1000), sample_run("baseline", 1000),
                           sample_run("one-hop", 1000)});
    EXPECT_EQ(std::count(three.begin(), three.end(), '\n'), 3);
    EXPECT_NE(three.find("fixed,one-hop,"), std::string::npos) << three;
}

TEST(Report, JsonHasBothRunsAndTheRatios) {
    const comparison c{sample_run("zchat", 1000), sample_run("baseline", 1000), std::nullopt};
    const std::string json = json_report("fixed", c, {});
    EXPECT_NE(json.find("\"mode\":\"fixed\""), std::string::npos);
    EXPECT_NE(json.find("\"target\":\"baseline\""), std::string::npos);
    EXPECT_NE(json.find("\"ratios\":{\"offered_lines_per_s\":1,"), std::string::npos) << json;
    EXPECT_NE(json.find("\"e2e_p999_ms\":"), std::string::npos);
    EXPECT_NE(json.find("\"one_hop\":null"), std::string::npos) << json;
    EXPECT_NE(json.find("\"ratios_one_hop\":{}"), std::string::npos) << json;
    const std::string with_one_hop = json_report(
        "fixed", {sample_run("zchat", 1000), std::nullopt, sample_run("one-hop", 2000)}, {});
    EXPECT_NE(with_one_hop.find("\"baseline\":null"), std::string::npos) << with_one_hop;
    EXPECT_NE(with_one_hop.find("\"target\":\"one-hop\""), std::string::npos);
    EXPECT_NE(with_one_hop.find("\"ratios_one_hop\":{\"offered_lines_per_s\":0.5,"),
              std::string::npos)
        << with_one_hop;
}

} // namespace
} // namespace zchat::bench

namespace zchat::bench {
namespace {

TEST(Result, AWorkersShareSurvivesTheTextForm) {
    run_result r = sample_run("zchat", 1000);
    r.first_error = "E_RATE_LIMITED: too many messages";
    r.refused = 3;
    const auto back = parse_run_result(serialize(r));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->target, "zchat");
    EXPECT_EQ(back->lines_due, r.lines_due);
    EXPECT_EQ(back->deliveries_due, r.deliveries_due);
    EXPECT_EQ(back->deliveries, r.deliveries);
    EXPECT_EQ(back->refused, 3u);
    EXPECT_EQ(back->first_error, r.first_error);
    EXPECT_EQ(back->e2e_latency.percentile(99), r.e2e_latency.percentile(99));
    EXPECT_DOUBLE_EQ(back->bench_loop_cpu_seconds, r.bench_loop_cpu_seconds);
    EXPECT_FALSE(parse_run_result("lines_due 3\n")); // cut short: no end
    EXPECT_FALSE(parse_run_result("lines_due x\nend\n"));
}

TEST(Result, SharesOfWorkersAddUpToTheWhole) {
    run_result whole = sample_run("zchat", 1000);
    whole.clients = 0;
    whole.lines_due = whole.deliveries_due = whole.lines_sent = whole.lines_acked = 0;
    whole.deliveries = 0;
    whole.e2e_latency.clear();
    whole.bench_loop_threads = 0;
    whole.bench_loop_cpu_seconds = 0;
    const run_result part = sample_run("zchat", 1000);
    merge(whole, part);
    merge(whole, part);
    EXPECT_EQ(whole.clients, 20u);
    EXPECT_EQ(whole.lines_due, 2 * part.lines_due);
    EXPECT_EQ(whole.deliveries_due, 2 * part.deliveries_due);
    EXPECT_EQ(whole.deliveries, 2 * part.deliveries);
    EXPECT_EQ(whole.e2e_latency.count(), 2 * part.e2e_latency.count());
    EXPECT_EQ(whole.bench_loop_threads, 2u);
    EXPECT_DOUBLE_EQ(whole.bench_loop_cpu_seconds, 0.8);
}

} // namespace
} // namespace zchat::bench
