#include "client/pipe_message.hpp"

namespace zchat::client {
namespace {

constexpr auto last_kind = static_cast<std::uint8_t>(pipe_kind::settled);
constexpr auto last_style = static_cast<std::uint8_t>(style::detail);
// The flags byte of a print.
constexpr std::uint8_t has_age = 1;
constexpr std::uint8_t mentions_you = 2;

// Numbers in a frame are big-endian, `bytes` long.
void put_number(std::string& frame, std::uint32_t value, int bytes) {
    for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8)
        frame += static_cast<char>(static_cast<std::uint8_t>(value >> shift));
}

// The number in the first `bytes` of `from`, which has at least that many.
std::uint32_t number_at(std::string_view from, int bytes) {
    std::uint32_t value = 0;
    for (int i = 0; i < bytes; ++i)
        value = value << 8 | static_cast<std::uint8_t>(from[static_cast<std::size_t>(i)]);
    return value;
}

} // namespace

std::string encode(const pipe_message& m) {
    std::string frame(1, static_cast<char>(m.kind));
    switch (m.kind) {
    case pipe_kind::print:
        frame += static_cast<char>(m.look);
        frame += static_cast<char>((m.age ? has_age : 0) | (m.mentions_you ? mentions_you : 0));
        if (m.age)
            put_number(frame, static_cast<std::uint32_t>(m.age->count()), 4);
        put_number(frame, static_cast<std::uint32_t>(m.to.size()), 2);
        frame += m.to;
        frame += m.text;
        break;
    case pipe_kind::say:
    case pipe_kind::act:
        put_number(frame, m.typed_id, 4);
        frame += m.text;
        break;
    case pipe_kind::who:
    case pipe_kind::join:
    case pipe_kind::part:
    case pipe_kind::status:
        frame += m.text;
        break;
    case pipe_kind::settled:
        put_number(frame, m.typed_id, 4);
        break;
    case pipe_kind::msg:
        put_number(frame, m.typed_id, 4);
        put_number(frame, static_cast<std::uint32_t>(m.to.size()), 2);
        frame += m.to;
        frame += m.text;
        break;
    case pipe_kind::done:
        frame += static_cast<char>(static_cast<std::uint8_t>(m.exit_code));
        break;
    case pipe_kind::quit:
    case pipe_kind::eof:
    case pipe_kind::rooms:
        break;
    }
    return frame;
}

std::optional<pipe_message> decode_pipe_message(std::string_view frame) {
    if (frame.empty() || static_cast<std::uint8_t>(frame[0]) > last_kind)
        return std::nullopt;
    pipe_message m = pipe_message::of(static_cast<pipe_kind>(frame[0]));
    const std::string_view rest = frame.substr(1);
    switch (m.kind) {
    case pipe_kind::print: {
        if (rest.size() < 2 || static_cast<std::uint8_t>(rest[0]) > last_style ||
            (static_cast<std::uint8_t>(rest[1]) & ~(has_age | mentions_you)) != 0)
            return std::nullopt;
        m.look = static_cast<style>(rest[0]);
        const auto flags = static_cast<std::uint8_t>(rest[1]);
        m.mentions_you = (flags & mentions_you) != 0;
        std::string_view after = rest.substr(2);
        if (flags & has_age) {
            if (after.size() < 4)
                return std::nullopt;
            m.age = std::chrono::milliseconds{number_at(after, 4)};
            after.remove_prefix(4);
        }
        if (after.size() < 2 || after.size() - 2 < number_at(after, 2))
            return std::nullopt;
        const std::size_t length = number_at(after, 2);
        m.to = after.substr(2, length);
        m.text = after.substr(2 + length);
        return m;
    }
    case pipe_kind::say:
    case pipe_kind::act:
        if (rest.size() < 4)
            return std::nullopt;
        m.typed_id = number_at(rest, 4);
        m.text = rest.substr(4);
        return m;
    case pipe_kind::who:
    case pipe_kind::join:
    case pipe_kind::part:
    case pipe_kind::status:
        m.text = rest;
        return m;
    case pipe_kind::settled:
        if (rest.size() != 4)
            return std::nullopt;
        m.typed_id = number_at(rest, 4);
        return m;
    case pipe_kind::msg: {
        if (rest.size() < 6)
            return std::nullopt;
        m.typed_id = number_at(rest, 4);
        const std::size_t length = number_at(rest.substr(4), 2);
        if (rest.size() - 6 < length)
            return std::nullopt;
        m.to = rest.substr(6, length);
        m.text = rest.substr(6 + length);
        return m;
    }
    case pipe_kind::done:
        if (rest.size() != 1)
            return std::nullopt;
        m.exit_code = static_cast<std::uint8_t>(rest[0]);
        return m;
    case pipe_kind::quit:
    case pipe_kind::eof:
    case pipe_kind::rooms:
        return rest.empty() ? std::optional{m} : std::nullopt;
    }
    return std::nullopt;
}

} // namespace zchat::client
