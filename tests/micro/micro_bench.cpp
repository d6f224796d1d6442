// Micro-benchmarks of the per-message path: the codec (encoding a LINE, decoding it whole and by
// its header alone, decoding a SAY) and the broker core handling a SAY from a joined session
// (decode, validate, route, encode the LINE and the ACK), at the default log level and at debug,
// where each line is also composed for the log. CTest runs them as a smoke test only: timings
// on a shared machine are noise, so compare runs on one quiet machine, with
// --benchmark_repetitions, never across machines.
#include "broker/core.hpp"
#include "proto/codec.hpp"

#include <benchmark/benchmark.h>

#include <string>

namespace {

using namespace zchat;
using namespace std::chrono_literals;

// A chat line of 100 bytes, as in the fan-out workload of the README's Performance section.
const std::string text_100(100, 'x');

proto::frame_list line_frames() {
    return proto::encode(
        proto::event{proto::line{0x0123456789ABCDEF, 42, "lobby", "alice", 7, 9, text_100}});
}

void encode_line(benchmark::State& state) {
    const proto::event e{proto::line{0x0123456789ABCDEF, 42, "lobby", "alice", 7, 9, text_100}};
    for (auto _ : state)
        benchmark::DoNotOptimize(proto::encode(e));
}
BENCHMARK(encode_line);

void decode_line(benchmark::State& state) {
    const proto::frame_list frames = line_frames();
    const auto views = proto::views(frames);
    for (auto _ : state) {
        auto decoded = proto::decode_events(views);
        if (!std::holds_alternative<std::vector<proto::event>>(decoded))
            state.SkipWithError("the LINE did not decode");
        benchmark::DoNotOptimize(decoded);
    }
}
BENCHMARK(decode_line);

void decode_line_header(benchmark::State& state) {
    const proto::frame_list frames = line_frames();
    const auto views = proto::views(frames);
    std::vector<proto::event_header> headers;
    for (auto _ : state) {
        if (!proto::decode_event_headers(views, 16, headers))
            state.SkipWithError("the LINE's header did not decode");
        benchmark::DoNotOptimize(headers.data());
    }
}
BENCHMARK(decode_line_header);

void decode_say(benchmark::State& state) {
    const proto::frame_list frames =
        proto::encode(proto::command{proto::say{{}, "lobby", 9, text_100}});
    const auto views = proto::views(frames);
    for (auto _ : state) {
        auto decoded = proto::decode_command(views);
        if (!std::holds_alternative<proto::command>(decoded))
            state.SkipWithError("the SAY did not decode");
        benchmark::DoNotOptimize(decoded);
    }
}
BENCHMARK(decode_say);

// The core with `others` joined sessions besides alice's, who then says the same line over and
// over; range(0) is the log level (info, or debug: every line logged), range(2) the lines the
// room's history keeps (0: none), so the history's cost shows as a ratio in one run.
void core_say(benchmark::State& state) {
    broker::config cfg;
    cfg.rate_per_second = 0; // unlimited, as in a benchmark
    cfg.logging = state.range(0) == 0 ? broker::log_level::info : broker::log_level::debug;
    cfg.history.lines = static_cast<std::size_t>(state.range(2));
    std::uint8_t secrets = 0;
    broker::core core(cfg, 42, [&secrets] {
        proto::session_secret s{};
        s[0] = ++secrets;
        return s;
    });
    const auto now = broker::time_point{} + 1h;
    broker::outbox out;
    core.tick(now, out);
    const auto send = [&](const std::string& peer, const proto::command& c) {
        out.clear();
        const proto::frame_list frames = proto::encode(c);
        core.handle(peer, proto::views(frames), now, out);
    };
    proto::session_secret alice{};
    for (int i = 0; i <= state.range(1); ++i) {
        const std::string peer = "peer-" + std::to_string(i);
        send(peer, proto::hello{"user" + std::to_string(i), "lobby", std::nullopt});
        const auto reply = proto::decode_reply(proto::views(out.replies.at(0).frames));
        const auto& welcome = std::get<proto::welcome>(std::get<proto::reply>(reply));
        send(peer, proto::ready{welcome.secret});
        if (i == 0)
            alice = welcome.secret;
    }
    const proto::frame_list say =
        proto::encode(proto::command{proto::say{alice, "lobby", 1, text_100}});
    const auto views = proto::views(say);
    for (auto _ : state) {
        out.clear();
        core.handle("peer-0", views, now, out);
        if (out.publications.size() != 1 || out.replies.size() != 1)
            state.SkipWithError("the SAY was not published and ACKed");
        if (out.log.empty() == (state.range(0) == 1))
            state.SkipWithError("the line was logged at info, or not at debug");
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(core_say)
    ->ArgsProduct({{0, 1}, {0, 100}, {0, 200}})
    ->ArgNames({"debug", "others", "history"});

} // namespace

BENCHMARK_MAIN();
