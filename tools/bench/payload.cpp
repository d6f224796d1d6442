#include "tools/bench/payload.hpp"

#include <charconv>

namespace zchat::bench {
namespace {

void put_hex(std::string& out, std::uint64_t value, int digits) {
    constexpr char hex[] = "0123456789abcdef";
    for (int i = digits - 1; i >= 0; --i)
        out.push_back(hex[(value >> (4 * i)) & 0xf]);
}

bool get_hex(std::string_view text, std::uint64_t& value) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
    return ec == std::errc{} && end == text.data() + text.size();
}

} // namespace

std::string encode_payload(const payload& p, std::size_t size) {
    std::string text;
    text.reserve(std::max(size, min_payload_bytes));
    put_hex(text, p.publisher, 8);
    text.push_back(':');
    put_hex(text, p.message_id, 16);
    text.push_back(':');
    put_hex(text, p.intended_ns, 16);
    if (text.size() < size)
        text.append(size - text.size(), '.');
    return text;
}

std::optional<payload> decode_payload(std::string_view text) {
    if (text.size() < min_payload_bytes || text[8] != ':' || text[25] != ':')
        return std::nullopt;
    std::uint64_t publisher = 0;
    payload p;
    if (!get_hex(text.substr(0, 8), publisher) || !get_hex(text.substr(9, 16), p.message_id) ||
        !get_hex(text.substr(26, 16), p.intended_ns))
        return std::nullopt;
    p.publisher = static_cast<std::uint32_t>(publisher);
    return p;
}

} // namespace zchat::bench
