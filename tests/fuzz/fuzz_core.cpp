// Fuzz target: the broker core fed arbitrary frame sequences from a few peers, with time moving
// on. Properties checked: nothing crashes; everything the core sends decodes; the online count
// never exceeds the sessions it holds.
#include "broker/core.hpp"
#include "tests/fuzz/frames.hpp"

#include <cstdlib>

namespace {

using namespace zchat;
using namespace std::chrono_literals;

void check(bool ok) {
    if (!ok)
        std::abort();
}

void check_outbox(const broker::outbox& out) {
    for (const auto& r : out.replies) {
        const auto v = proto::views(r.frames);
        // A version 1 peer is told so in version 1's frames (PROTOCOL.md, section 16).
        check(std::holds_alternative<proto::reply>(proto::decode_reply(v)) ||
              (proto::is_v1_message(v) && v.size() == 5 && v[1] == "ERROR"));
    }
    for (const auto& p : out.publications) {
        const auto v = proto::views(p);
        check(std::holds_alternative<std::vector<proto::event>>(proto::decode_events(v)));
    }
}

} // namespace

// Input: messages, each a control byte (peer in the low 2 bits, the rest moves the clock) and
// a frame count byte, then that many frames as in frames.hpp.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    broker::config cfg;
    cfg.heartbeat_interval = 100ms;
    cfg.join_timeout = 500ms;
    std::uint8_t secret_counter = 0;
    broker::core core(cfg, 42, [&secret_counter] {
        proto::session_secret s{};
        s[0] = ++secret_counter;
        return s;
    });
    auto now = broker::time_point{} + 1h;
    broker::outbox out;
    const auto frames = fuzz::split_frames(data, size);
    for (std::size_t i = 0; i + 2 <= frames.size();) {
        const auto control = frames[i].empty() ? 0u : static_cast<unsigned>(frames[i][0]);
        const auto count = frames[i + 1].empty() ? 0u : static_cast<unsigned>(frames[i + 1][0]) % 9;
        i += 2;
        const std::size_t end = std::min(frames.size(), i + count);
        const std::string peer = "peer-" + std::to_string(control & 3u);
        now += std::chrono::milliseconds(control >> 2);
        out.clear();
        core.handle(peer, std::span(frames).subspan(i, end - i), now, out);
        check_outbox(out);
        out.clear();
        core.tick(now, out);
        check_outbox(out);
        check(core.online() <= core.session_count());
        i = end;
    }
    out.clear();
    core.shut_down(out);
    check_outbox(out);
    return 0;
}
