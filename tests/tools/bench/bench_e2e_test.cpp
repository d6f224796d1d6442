// End-to-end: the real zchat-bench against a zchat-broker it spawns, and against its own
// baseline forwarder, as a user would run them. It checks that nothing is lost and that every
// figure is reported, never how fast anything is: targets are measured and recorded in the
// README, not asserted.
#include "tests/support/sanitizer.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace {

namespace fs = std::filesystem;

struct run_output {
    int exit_code = -1;
    std::string out;
    std::string err;
};

std::string slurp(const fs::path& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

class BenchEndToEnd : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("zchat-bench-test-" + std::to_string(getpid()));
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    // Runs zchat-bench with `args`, bounded by coreutils' timeout so a hang fails the test.
    run_output bench(const std::string& args) {
        const fs::path out = dir_ / "stdout";
        const fs::path err = dir_ / "stderr";
        const std::string command = "timeout -k 5 100 " + std::string{ZCHAT_BENCH_PATH} + " " +
                                    args + " >" + out.string() + " 2>" + err.string();
        const int status = std::system(command.c_str());
        run_output r;
        r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        r.out = slurp(out);
        r.err = slurp(err);
        return r;
    }

    // Runs zchat-bench with `args` on a pseudo-terminal (script(1), util-linux), and returns what
    // the terminal showed: stdout and stderr together.
    std::string on_terminal(const std::string& args) {
        const fs::path out = dir_ / "terminal";
        const std::string command = "script -qec 'timeout -k 5 100 " +
                                    std::string{ZCHAT_BENCH_PATH} + " " + args + "' /dev/null >" +
                                    out.string() + " </dev/null";
        EXPECT_EQ(std::system(command.c_str()), 0) << command;
        return slurp(out);
    }

    fs::path dir_;
};

// Every figure a run reports must be there and be a number (the broker's CPU and memory too,
// since the bench started the broker itself), but the ACK latencies of a one-hop run: no SAY is
// sent there, so nothing is acknowledged, and they are null.
void expect_every_figure(const nlohmann::json& run) {
    const bool acked = run["target"] != "one-hop";
    for (const char* key : {"offered_lines_per_s",
                            "achieved_lines_per_s",
                            "deliveries_per_s",
                            "loss_percent",
                            "gap_loss_percent",
                            "seq_gaps",
                            "refused",
                            "ack_min_ms",
                            "ack_p50_ms",
                            "ack_p90_ms",
                            "ack_p99_ms",
                            "ack_p999_ms",
                            "ack_max_ms",
                            "e2e_min_ms",
                            "e2e_p50_ms",
                            "e2e_p90_ms",
                            "e2e_p99_ms",
                            "e2e_p999_ms",
                            "e2e_max_ms",
                            "broker_cpu_s",
                            "broker_cpu_per_delivery_us",
                            "broker_peak_rss_mib",
                            "bench_cpu_s",
                            "bench_cpu_per_delivery_us",
                            "send_lag_p99_ms",
                            "join_s"}) {
        ASSERT_TRUE(run.contains(key)) << key;
        EXPECT_EQ(run[key].is_number(), acked || !std::string_view{key}.starts_with("ack_"))
            << key << " = " << run[key];
    }
    EXPECT_GT(run["e2e_p50_ms"].get<double>(), 0);
    EXPECT_GE(run["e2e_max_ms"].get<double>(), run["e2e_p99_ms"].get<double>());
    EXPECT_GT(run["broker_peak_rss_mib"].get<double>(), 0);
    EXPECT_GT(run["join_s"].get<double>(), 0);
}

// Nothing lost: every line due was sent and ACKed, and reached every client.
void expect_no_loss(const nlohmann::json& run) {
    const auto due = run["lines_due"].get<std::uint64_t>();
    EXPECT_GT(due, 0u);
    EXPECT_EQ(run["lines_sent"].get<std::uint64_t>(), due);
    EXPECT_EQ(run["lines_acked"].get<std::uint64_t>(), due);
    EXPECT_EQ(run["deliveries"].get<std::uint64_t>(), due * run["clients"].get<std::uint64_t>());
    EXPECT_EQ(run["loss_percent"].get<double>(), 0);
    EXPECT_EQ(run["gap_loss_percent"].get<double>(), 0);
    EXPECT_EQ(run["seq_gaps"].get<double>(), 0);
    EXPECT_EQ(run["refused"].get<double>(), 0);
}

// 10 clients, all of them publishing 10 lines/s each (100 lines/s in all), so that each stays
// well under a per-session rate limit such as 20 lines/s; the bench itself spreads any rate.
TEST_F(BenchEndToEnd, AShortFixedRunLosesNothingAndReportsEveryFigure) {
    const fs::path csv = dir_ / "bench.csv";
    const fs::path hgrm = dir_ / "e2e.hgrm";
    const auto r = bench("--spawn " + std::string{ZCHAT_BROKER_PATH} +
                         " --mode fixed --clients 10 --publishers 10 --rate 100 --size 100"
                         " --duration 2 --warmup 0.5 --baseline --json --csv " +
                         csv.string() + " --hgrm " + hgrm.string());
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    const auto doc = nlohmann::json::parse(r.out);
    EXPECT_EQ(doc["mode"], "fixed");
    for (const auto& [key, target] :
         {std::pair{"zchat", "zchat"}, std::pair{"baseline", "baseline"},
          std::pair{"one_hop", "one-hop"}}) {
        SCOPED_TRACE(target);
        const auto& run = doc[key];
        EXPECT_EQ(run["target"], target);
        EXPECT_EQ(run["clients"], 10);
        expect_every_figure(run);
        expect_no_loss(run);
    }
    for (const char* ratios : {"ratios", "ratios_one_hop"})
        for (const char* key : {"deliveries_per_s", "e2e_p99_ms", "broker_cpu_s"})
            EXPECT_TRUE(doc[ratios][key].is_number()) << ratios << ' ' << key;

    const std::string table = slurp(csv);
    EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 4) << table;
    EXPECT_NE(slurp(hgrm).find("Percentile"), std::string::npos);
    EXPECT_NE(slurp(hgrm.string() + ".baseline").find("Percentile"), std::string::npos);
    EXPECT_NE(slurp(hgrm.string() + ".one-hop").find("Percentile"), std::string::npos);
}

TEST_F(BenchEndToEnd, ClientsSplitOverWorkerProcessesLoseNothing) {
    const auto r = bench("--spawn " + std::string{ZCHAT_BROKER_PATH} +
                         " --clients 6 --publishers 6 --rate 60 --duration 1 --warmup 0.3"
                         " --procs 2 --json");
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    const auto doc = nlohmann::json::parse(r.out);
    EXPECT_EQ(doc["zchat"]["clients"], 6);
    expect_every_figure(doc["zchat"]);
    expect_no_loss(doc["zchat"]);
}

// Workers finish joining at different times, and each waits for the others before sending. The
// broker expires a client silent for liveness x heartbeat, so the clients must go on
// heartbeating while they wait: a worker that blocked lost its publishers' sessions and with
// them a quarter to all of their lines (E_NOT_JOINED). The window is 200 ms: the joins of 400
// clients spread over more than that, and a window of 300 ms already misses a blocked worker
// half of the time; the test runs alone (see CMakeLists.txt) so that no other test starves it.
// --relays: the broker's only connections are the relays', and nothing is lost through them.
TEST_F(BenchEndToEnd, ClientsBehindRelaysLoseNothing) {
    const auto r = bench("--spawn " + std::string{ZCHAT_BROKER_PATH} +
                         " --clients 6 --publishers 6 --rate 60 --duration 1 --warmup 0.3"
                         " --procs 2 --relays 2");
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    EXPECT_NE(r.out.find("the clients connect through 2 relays"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("relays since they started: CPU "), std::string::npos) << r.out;
    const auto json = bench("--spawn " + std::string{ZCHAT_BROKER_PATH} +
                            " --clients 6 --publishers 6 --rate 60 --duration 1 --warmup 0.3"
                            " --procs 2 --relays 2 --json");
    ASSERT_EQ(json.exit_code, 0) << json.err << json.out;
    expect_no_loss(nlohmann::json::parse(json.out)["zchat"]);
    EXPECT_EQ(
        bench("--spawn " + std::string{ZCHAT_BROKER_PATH} + " --procs 3 --relays 2").exit_code, 2);
}

TEST_F(BenchEndToEnd, WorkersThatJoinedFirstStayJoinedWhileTheOthersJoin) {
    // Under AddressSanitizer everything is several times slower, the joins' spread included, and
    // a first worker's heartbeats can be late by more than 4 x 200 ms while the others join.
    const std::string heartbeat_ms = zchat::test::built_with_address_sanitizer ? "400" : "50";
    const auto r = bench("--spawn " + std::string{ZCHAT_BROKER_PATH} +
                         " --broker-arg=--heartbeat-ms=" + heartbeat_ms +
                         " --broker-arg=--liveness=4"
                         " --clients 400 --publishers 4 --rate 40 --duration 1 --warmup 0.3"
                         " --procs 4 --json");
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    const auto doc = nlohmann::json::parse(r.out);
    EXPECT_EQ(doc["zchat"]["refused"], 0);
    expect_no_loss(doc["zchat"]);
}

// Over rooms a line is due to its room's clients only. 6 clients in 3 rooms make rooms of 2, and
// the 3 publishers are dealt one to each room, across both worker processes; a subscriber that
// heard another room's lines, or a line that reached only part of its room, changes the count.
// The forwarder publishes each line under its SAY's room too, so the baseline is the same load,
// and so does the one-hop limit's source.
TEST_F(BenchEndToEnd, LinesOverRoomsReachTheirRoomOnlyAndNoneIsLost) {
    const auto r = bench("--spawn " + std::string{ZCHAT_BROKER_PATH} +
                         " --clients 6 --publishers 3 --rooms 3 --rate 60 --duration 1"
                         " --warmup 0.3 --procs 2 --baseline --json");
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    const auto doc = nlohmann::json::parse(r.out);
    for (const char* target : {"zchat", "baseline", "one_hop"}) {
        SCOPED_TRACE(target);
        const auto& run = doc[target];
        EXPECT_EQ(run["rooms"], 3);
        const auto due = run["lines_due"].get<std::uint64_t>();
        EXPECT_GT(due, 0u);
        EXPECT_EQ(run["lines_acked"].get<std::uint64_t>(), due);
        EXPECT_EQ(run["expected_deliveries"].get<double>(), static_cast<double>(due * 2));
        EXPECT_EQ(run["deliveries"].get<std::uint64_t>(), due * 2);
        EXPECT_EQ(run["loss_percent"].get<double>(), 0);
        EXPECT_EQ(run["gap_loss_percent"].get<double>(), 0);
        EXPECT_EQ(run["seq_gaps"].get<double>(), 0);
        EXPECT_EQ(run["refused"].get<double>(), 0);
    }
}

TEST_F(BenchEndToEnd, IdleModeReportsMemoryAndCpuPerClient) {
    const auto r = bench("--spawn " + std::string{ZCHAT_BROKER_PATH} +
                         " --mode idle --clients 5 --duration 1 --warmup 0.2");
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    EXPECT_NE(r.out.find("idle zchat: 5 clients joined in "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(" s, broker RSS "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("KiB per client"), std::string::npos) << r.out;
}

TEST_F(BenchEndToEnd, ChurnKeepsTheOnlineCountCorrect) {
    const auto r = bench("--spawn " + std::string{ZCHAT_BROKER_PATH} +
                         " --mode churn --clients 8 --rate 16 --duration 1 --warmup 0.2");
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    EXPECT_NE(r.out.find("churn zchat: 8 clients, 16 leave+join per second offered: 16 joins/s "
                         "and 16 leaves/s sustained"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("0 inconsistent; 0 online before the bench, 0 after it left: correct"),
              std::string::npos)
        << r.out;
}

// Each room's online count goes its own way; the monitor checks every JOIN and LEAVE against
// the count of its own room.
TEST_F(BenchEndToEnd, ChurnOverRoomsKeepsEachRoomsOnlineCountCorrect) {
    const auto r = bench("--spawn " + std::string{ZCHAT_BROKER_PATH} +
                         " --mode churn --clients 8 --rooms 2 --rate 16 --duration 1 --warmup 0.2");
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    EXPECT_NE(r.out.find("0 inconsistent; 0 online before the bench, 0 after it left: correct"),
              std::string::npos)
        << r.out;
}

TEST_F(BenchEndToEnd, TheHumanSummaryEndsWithTheRatioLine) {
    const auto r = bench("--spawn " + std::string{ZCHAT_BROKER_PATH} +
                         " --clients 4 --publishers 4 --rate 40 --duration 1 --warmup 0.2"
                         " --baseline");
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    EXPECT_NE(r.out.find("fixed 40 lines/s x 4 clients: 160 deliveries/s"), std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("baseline deliveries"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("one-hop deliveries"), std::string::npos) << r.out;
    // Not a terminal: no progress line.
    EXPECT_EQ(r.err.find('\r'), std::string::npos);
}

TEST_F(BenchEndToEnd, HelpDescribesTheOptions) {
    const auto r = bench("--help");
    EXPECT_EQ(r.exit_code, 0);
    for (const char* option :
         {"--spawn", "--mode", "--clients", "--publishers", "--rooms", "--rate", "--size",
          "--duration", "--warmup", "--baseline", "--json", "--csv", "--hgrm"})
        EXPECT_NE(r.out.find(option), std::string::npos) << option;
    // How the bench starts its own baseline is not for people.
    EXPECT_EQ(r.out.find("--forwarder"), std::string::npos) << r.out;
}

TEST_F(BenchEndToEnd, VersionPrintsTheVersion) {
    const auto r = bench("--version");
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.out, std::string{"zchat-bench "} + ZCHAT_VERSION + "\n");
}

TEST_F(BenchEndToEnd, BadOptionsAreUsageErrors) {
    EXPECT_EQ(bench("--mode fixed").exit_code, 2);                         // no broker
    EXPECT_EQ(bench("localhost --router tcp://127.0.0.1:1").exit_code, 2); // both
    EXPECT_EQ(bench("--spawn x --mode sideways").exit_code, 2);
    EXPECT_EQ(bench("--spawn x --clients 2 --publishers 3").exit_code, 2);
    EXPECT_EQ(bench("--spawn x --size 10").exit_code, 2);
    const auto no_rooms = bench("--spawn x --clients 4 --rooms 0");
    EXPECT_EQ(no_rooms.exit_code, 2);
    EXPECT_NE(no_rooms.err.find("--rooms must be from 1 to the number of clients"),
              std::string::npos)
        << no_rooms.err;
    EXPECT_EQ(bench("--spawn x --clients 4 --publishers 4 --rooms 5").exit_code, 2);
    // The bench's clients speak ZMTP over TCP or IPC only, to a port that can exist.
    const auto udp = bench("--router udp://127.0.0.1:1 --sub tcp://127.0.0.1:1");
    EXPECT_EQ(udp.exit_code, 2);
    EXPECT_NE(udp.err.find("'udp://127.0.0.1:1': the bench's clients connect to tcp://HOST:PORT "
                           "or ipc://PATH only"),
              std::string::npos)
        << udp.err;
    EXPECT_EQ(bench("--router tcp://127.0.0.1:1 --sub inproc://events").exit_code, 2);
    const auto port = bench("--router tcp://127.0.0.1:99999 --sub tcp://127.0.0.1:1");
    EXPECT_EQ(port.exit_code, 2);
    EXPECT_NE(port.err.find("has no valid port (1 to 65535)"), std::string::npos) << port.err;
}

TEST_F(BenchEndToEnd, AHostThatDoesNotResolveIsReportedBeforeAnythingRuns) {
    const auto r =
        bench("--router tcp://nosuchhost.invalid:5555 --sub tcp://nosuchhost.invalid:5556");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("zchat-bench: cannot reach tcp://nosuchhost.invalid:5555: cannot resolve "
                         "the host 'nosuchhost.invalid'"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(r.out, "");
}

// --sub names the broker's PUB endpoint as in every connecting tool; the old --pub still works
// for a release, with a word on stderr.
TEST_F(BenchEndToEnd, TheOldPubSpellingStillWorksWithADeprecationLine) {
    const auto r = bench("--router tcp://127.0.0.1:1 --pub tcp://127.0.0.1:1 --size 10");
    EXPECT_EQ(r.exit_code, 2); // the size, not the spelling
    EXPECT_NE(r.err.find("zchat-bench: --pub is deprecated; use --sub (the same endpoint)"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(bench("--router tcp://127.0.0.1:1 --sub tcp://127.0.0.1:1 --size 10")
                  .err.find("deprecated"),
              std::string::npos);
}

// Progress goes to a terminal by default, never with -q, and with -v into a pipe too, as lines;
// the spawned broker logs its warnings, and with -v all it logs by default.
TEST_F(BenchEndToEnd, QuietHidesTheProgressAndVerboseWritesItIntoAPipe) {
    const std::string run = "--spawn " + std::string{ZCHAT_BROKER_PATH} +
                            " --clients 2 --publishers 1 --rate 50 --duration 1.5 --warmup 0.5";
    EXPECT_NE(on_terminal(run).find("\r\033[Kzchat 50 lines/s: "), std::string::npos);
    const std::string quiet = on_terminal(run + " -q");
    EXPECT_EQ(quiet.find("lines/s: "), std::string::npos) << quiet;
    EXPECT_NE(quiet.find("deliveries/s"), std::string::npos) << quiet;

    const auto piped = bench(run);
    ASSERT_EQ(piped.exit_code, 0) << piped.err;
    // No progress, and of the spawned broker's log only its warnings (the lifted rate limit).
    EXPECT_EQ(piped.err.find("lines/s: "), std::string::npos) << piped.err;
    EXPECT_EQ(piped.err.find(" INFO "), std::string::npos) << piped.err;
    const auto verbose = bench(run + " -v");
    ASSERT_EQ(verbose.exit_code, 0) << verbose.err;
    EXPECT_NE(verbose.err.find("zchat-bench: zchat 50 lines/s: measure: "), std::string::npos)
        << verbose.err;
    EXPECT_EQ(verbose.err.find('\r'), std::string::npos) << verbose.err;
    EXPECT_NE(verbose.err.find(" INFO join "), std::string::npos) << verbose.err;
}

TEST_F(BenchEndToEnd, ABrokerThatCannotStartIsARuntimeFailure) {
    const auto r = bench("--spawn /nonexistent/zchat-broker --duration 1");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("zchat-bench:"), std::string::npos);
}

} // namespace
