#include "tools/tap/note.hpp"

namespace zchat::tap {

namespace {

template <class... F>
struct overloaded : F... {
    using F::operator()...;
};
// Needed by compilers without aggregate deduction (clang before 17).
template <class... F>
overloaded(F...) -> overloaded<F...>;

constexpr std::size_t preview_bytes = 24;

std::string hex_preview(std::span<const std::string_view> frames) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    std::size_t shown = 0;
    for (std::size_t i = 1; i < frames.size(); ++i) {
        if (i > 1)
            out += ' ';
        for (const char c : frames[i]) {
            if (shown == preview_bytes)
                return out + "...";
            const auto b = static_cast<unsigned char>(c);
            out += digits[b >> 4];
            out += digits[b & 0xF];
            ++shown;
        }
    }
    return out;
}

} // namespace

std::vector<observation> read_message(std::span<const std::string_view> frames) {
    std::size_t bytes = 0;
    for (const auto f : frames)
        bytes += f.size();
    auto decoded = proto::decode_events(frames);
    if (auto* events = std::get_if<std::vector<proto::event>>(&decoded)) {
        std::vector<observation> observed;
        observed.reserve(events->size());
        for (auto& e : *events) {
            observed.emplace_back(observed_event{std::string{frames.front()}, std::move(e), bytes});
            bytes = 0;
        }
        return observed;
    }
    undecodable u;
    u.topic = frames.empty() ? std::string{} : std::string{frames.front()};
    u.error = std::get<proto::decode_error>(std::move(decoded));
    u.frames = frames.size();
    u.bytes = bytes;
    u.preview = hex_preview(frames);
    return {std::move(u)};
}

std::string_view kind_of(const note_body& n) {
    return std::visit(overloaded{
                          [](const observed_event& o) { return proto::kind_name(o.event); },
                          [](const undecodable&) { return std::string_view{"undecodable"}; },
                          [](const gap&) { return std::string_view{"gap"}; },
                          [](const restart&) { return std::string_view{"restart"}; },
                          [](const alert&) { return std::string_view{"alert"}; },
                          [](const back&) { return std::string_view{"back"}; },
                      },
                      n);
}

std::uint64_t epoch_of(const proto::event& e) {
    return std::visit([](const auto& x) { return x.epoch; }, e);
}

std::uint64_t seq_of(const proto::event& e) {
    return std::visit(
        [](const auto& x) -> std::uint64_t {
            if constexpr (requires { x.seq; })
                return x.seq;
            else
                return 0;
        },
        e);
}

std::string_view room_of(const proto::event& e) {
    return std::visit(
        [](const auto& x) -> std::string_view {
            if constexpr (requires { x.room; })
                return x.room;
            else
                return {};
        },
        e);
}

std::string_view stream_of(const proto::event& e) {
    return std::holds_alternative<proto::line>(e) ? "chat" : "presence";
}

} // namespace zchat::tap
