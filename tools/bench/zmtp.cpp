#include "tools/bench/zmtp.hpp"

#include <cstdint>
#include <utility>

namespace zchat::bench::zmtp {
namespace {

constexpr std::size_t greeting_bytes = 64;
constexpr unsigned char flag_more = 0x01;
constexpr unsigned char flag_long = 0x02;
constexpr unsigned char flag_command = 0x04;

// A frame's flags and size, then its body.
void put_frame(std::string& out, unsigned char flags, std::string_view body) {
    if (body.size() > 255) {
        out += static_cast<char>(flags | flag_long);
        for (int shift = 56; shift >= 0; shift -= 8)
            out += static_cast<char>((static_cast<std::uint64_t>(body.size()) >> shift) & 0xff);
    } else {
        out += static_cast<char>(flags);
        out += static_cast<char>(body.size());
    }
    out += body;
}

// A command's body: its name's length and name, then its data.
std::string command_body(std::string_view name, std::string_view data) {
    std::string body(1, static_cast<char>(name.size()));
    body += name;
    body += data;
    return body;
}

std::uint64_t big_endian(std::string_view bytes) {
    std::uint64_t value = 0;
    for (const char c : bytes)
        value = (value << 8) | static_cast<unsigned char>(c);
    return value;
}

// One frame at the start of `data`: its flags and body, and the bytes it took; 0 bytes when
// `data` ends inside it.
struct frame {
    unsigned char flags = 0;
    std::string_view body;
    std::size_t used = 0;
};

frame read_frame(std::string_view data) {
    if (data.empty())
        return {};
    const auto flags = static_cast<unsigned char>(data[0]);
    const std::size_t size_bytes = (flags & flag_long) ? 8 : 1;
    if (data.size() < 1 + size_bytes)
        return {};
    const std::uint64_t size = big_endian(data.substr(1, size_bytes));
    if (size > max_frame_bytes)
        return {flags, {}, SIZE_MAX};
    const std::size_t used = 1 + size_bytes + static_cast<std::size_t>(size);
    if (data.size() < used)
        return {};
    return {flags, data.substr(1 + size_bytes, static_cast<std::size_t>(size)), used};
}

parsed failed(std::string error) {
    parsed p;
    p.what = parsed::kind::failed;
    p.error = std::move(error);
    return p;
}

} // namespace

std::string hello(std::string_view socket_type) {
    std::string out(greeting_bytes, '\0');
    out[0] = static_cast<char>(0xff); // signature: 0xff, eight bytes of padding, 0x7f
    out[9] = 0x7f;
    out[10] = 3; // version 3.0
    out[11] = 0;
    out.replace(12, 4, "NULL"); // the mechanism, padded with zeros to 20 bytes; as-server 0
    // READY's metadata: each property is its name's length and name, then its value's length
    // (four bytes, big-endian) and value.
    const std::string_view name = "Socket-Type";
    std::string metadata(1, static_cast<char>(name.size()));
    metadata += name;
    metadata += std::string(3, '\0') + static_cast<char>(socket_type.size());
    metadata += socket_type;
    put_frame(out, flag_command, command_body("READY", metadata));
    return out;
}

void append_message(std::string& out, std::span<const std::string_view> frames) {
    for (std::size_t i = 0; i < frames.size(); ++i)
        put_frame(out, i + 1 < frames.size() ? flag_more : 0, frames[i]);
}

std::string subscription(std::string_view topic, bool subscribe) {
    std::string body(1, subscribe ? '\1' : '\0');
    body += topic;
    const std::string_view frame = body;
    std::string out;
    append_message(out, {&frame, 1});
    return out;
}

std::string pong(std::string_view context) {
    std::string out;
    put_frame(out, flag_command, command_body("PONG", context));
    return out;
}

parsed reader::next(std::string_view data, std::vector<std::string_view>& frames) {
    parsed result;
    if (!greeted_) {
        if (data.size() < greeting_bytes)
            return result;
        const std::string_view greeting = data.substr(0, greeting_bytes);
        if (static_cast<unsigned char>(greeting[0]) != 0xff || (greeting[9] & 1) == 0)
            return failed("the peer does not speak ZMTP 3 (no ZMTP signature)");
        if (greeting[10] < 3)
            return failed("the peer speaks ZMTP " + std::to_string(int{greeting[10]}) + ", not 3");
        if (greeting.substr(12, 20) != std::string_view("NULL\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20))
            return failed("the peer asks for a security mechanism other than NULL");
        greeted_ = true;
        result.used = greeting_bytes;
    }
    frames.clear();
    std::size_t message_start = result.used; // where the message being read began
    for (;;) {
        const frame f = read_frame(data.substr(result.used));
        if (f.used == SIZE_MAX)
            return failed("a frame larger than " + std::to_string(max_frame_bytes) + " bytes");
        if (f.used == 0) {
            // Whatever frames of a message came so far are read again with the rest of it.
            frames.clear();
            result.used = message_start;
            return result;
        }
        if (f.flags & flag_command) {
            if (!frames.empty())
                return failed("a command inside a message");
            result.used += f.used;
            const std::size_t name_size =
                f.body.empty() ? 0 : static_cast<unsigned char>(f.body[0]);
            if (f.body.size() < 1 + name_size)
                return failed("a command shorter than its name");
            const std::string_view name = f.body.substr(1, name_size);
            const std::string_view rest = f.body.substr(1 + name_size);
            if (!ready_) {
                if (name != "READY")
                    return failed("the peer's handshake began with " + std::string{name} +
                                  ", not READY");
                ready_ = true;
            } else if (name == "PING") {
                result.what = parsed::kind::ping;
                // A PING's data is a two-byte time to live, then the context to send back.
                result.context = rest.size() > 2 ? rest.substr(2) : std::string_view{};
                return result;
            } else if (name == "ERROR") {
                return failed("the peer sent ERROR: " +
                              std::string{rest.empty() ? rest : rest.substr(1)});
            }
            message_start = result.used;
            continue;
        }
        if (!ready_)
            return failed("a message before the peer's READY");
        frames.push_back(f.body);
        result.used += f.used;
        if (!(f.flags & flag_more)) {
            result.what = parsed::kind::message;
            return result;
        }
    }
}

} // namespace zchat::bench::zmtp
