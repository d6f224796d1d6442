// Encoding and decoding, driven by the descriptions in shapes.hpp: this file knows how each
// encoding is written and read, not which fields a message has. The exceptions are the topics an
// event is published under, and decode_event_header's look at LINE's text (its last field).
#include "proto/codec.hpp"
#include "proto/shapes.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

namespace zchat::proto {
namespace {

// ---- Writing ----

std::string header_frame() {
    std::string s{signature};
    s.push_back(static_cast<char>(protocol_version));
    return s;
}

template <class Int>
std::string be(Int value) {
    std::string s(sizeof(Int), '\0');
    for (std::size_t i = 0; i < sizeof(Int); ++i) {
        s[sizeof(Int) - 1 - i] = static_cast<char>(static_cast<std::uint8_t>(value >> (8 * i)));
    }
    return s;
}

std::string bytes(const session_secret& secret) {
    return {reinterpret_cast<const char*>(secret.data()), secret.size()};
}

// ---- Reading ----

// A big-endian number from a frame of exactly sizeof(Int) bytes (the caller checks the size).
template <class Int>
Int from_be(std::string_view f) {
    Int value = 0;
    for (const char c : f)
        value = static_cast<Int>((value << 8) | static_cast<std::uint8_t>(c));
    return value;
}

bool is_our_header(std::string_view f) {
    return f.size() == signature.size() + 1 && f.substr(0, signature.size()) == signature &&
           static_cast<std::uint8_t>(f.back()) == protocol_version;
}

// Reads typed fields from consecutive frames. The first failure is kept; later reads are no-ops.
class field_reader {
public:
    field_reader(std::span<const std::string_view> frames, std::size_t first)
        : frames_(frames), next_(first) {}

    template <class Int>
    Int number(std::string_view field) {
        const std::string_view f = take();
        if (failed())
            return 0;
        if (f.size() != sizeof(Int)) {
            fail(f.size() > sizeof(Int) ? error_code::too_long : error_code::malformed,
                 std::string{field} + " must be " + std::to_string(sizeof(Int)) + " bytes");
            return 0;
        }
        return from_be<Int>(f);
    }

    session_secret secret() {
        session_secret s{};
        const std::string_view f = take();
        if (failed())
            return s;
        if (f.size() != s.size()) {
            fail(error_code::malformed, "session secret must be 16 bytes");
            return s;
        }
        std::copy(f.begin(), f.end(), reinterpret_cast<char*>(s.data()));
        return s;
    }

    std::string text(std::string_view field, std::size_t max_bytes) {
        const std::string_view f = take();
        if (failed())
            return {};
        if (f.size() > max_bytes) {
            fail(error_code::too_long,
                 std::string{field} + " is longer than " + std::to_string(max_bytes) + " bytes");
            return {};
        }
        return std::string{f};
    }

    std::optional<resume_ticket> resume() {
        const std::string_view f = take();
        if (failed() || f.empty())
            return std::nullopt;
        if (f.size() != 24) {
            fail(error_code::malformed, "resume must be empty or 24 bytes");
            return std::nullopt;
        }
        const std::array<std::string_view, 2> parts{f.substr(0, 8), f.substr(8)};
        field_reader inner(parts, 0);
        resume_ticket t;
        t.session_id = inner.number<std::uint64_t>("session id");
        t.secret = inner.secret();
        return t;
    }

    // STATS' rejected counts: records of a u16 error code and a u64 count.
    std::vector<std::pair<error_code, std::uint64_t>> rejected_counts() {
        constexpr std::size_t record = 2 + 8;
        const std::string_view f = take();
        std::vector<std::pair<error_code, std::uint64_t>> counts;
        if (failed())
            return counts;
        if (f.size() % record != 0) {
            fail(error_code::malformed, "rejected counts must be 10-byte records");
            return counts;
        }
        for (std::size_t at = 0; at < f.size(); at += record) {
            const std::array<std::string_view, 2> parts{f.substr(at, 2), f.substr(at + 2, 8)};
            field_reader inner(parts, 0);
            const auto code = static_cast<error_code>(inner.number<std::uint16_t>("code"));
            counts.emplace_back(code, inner.number<std::uint64_t>("count"));
        }
        return counts;
    }

    std::size_t remaining() const { return frames_.size() - next_; }
    bool failed() const { return error_.has_value(); }
    decode_error error() const { return *error_; }

private:
    std::string_view take() {
        if (failed())
            return {};
        if (next_ >= frames_.size()) {
            fail(error_code::malformed, "missing frame");
            return {};
        }
        return frames_[next_++];
    }
    void fail(error_code code, std::string reason) {
        if (!error_)
            error_ = decode_error{code, std::move(reason)};
    }

    std::span<const std::string_view> frames_;
    std::size_t next_;
    std::optional<decode_error> error_;
};

// Checks the signature-and-version frame. Returns an error, or nothing if it is ours.
std::optional<decode_error> check_header(std::string_view f) {
    if (f.empty())
        return decode_error{error_code::malformed, "empty signature frame"};
    if (f.size() != signature.size() + 1 || f.substr(0, signature.size()) != signature)
        return decode_error{error_code::bad_signature, "not a zchat message (expected ZCHAT)"};
    if (static_cast<std::uint8_t>(f.back()) != protocol_version)
        return decode_error{error_code::unsupported_version,
                            "protocol version " +
                                std::to_string(static_cast<std::uint8_t>(f.back())) +
                                " is not supported; supported versions: 1"};
    return std::nullopt;
}

// ---- The descriptions, put to work ----

// Appends the frames of one field.
template <class T>
void put(frame_list& f, const T& value) {
    constexpr encoding wire = encoding_of<T>();
    if constexpr (std::is_enum_v<T>) {
        f.push_back(be(static_cast<std::underlying_type_t<T>>(value)));
    } else if constexpr (std::is_integral_v<T>) {
        f.push_back(be(value));
    } else if constexpr (wire == encoding::secret) {
        f.push_back(bytes(value));
    } else if constexpr (wire == encoding::resume) {
        f.push_back(value ? be(value->session_id) + bytes(value->secret) : std::string{});
    } else if constexpr (wire == encoding::utf8) {
        f.push_back(value);
    } else if constexpr (wire == encoding::utf8_each) {
        f.insert(f.end(), value.begin(), value.end());
    } else {
        static_assert(wire == encoding::records);
        std::string records;
        records.reserve(value.size() * 10);
        for (const auto& [code, count] : value)
            records += be(static_cast<std::uint16_t>(code)) + be(count);
        f.push_back(std::move(records));
    }
}

// Reads one field into `value`.
template <class T, class Field>
void read(field_reader& r, const Field& field, T& value) {
    constexpr encoding wire = encoding_of<T>();
    if constexpr (std::is_enum_v<T>) {
        value = static_cast<T>(r.number<std::underlying_type_t<T>>(field.name));
    } else if constexpr (std::is_integral_v<T>) {
        value = r.number<T>(field.name);
    } else if constexpr (wire == encoding::secret) {
        value = r.secret();
    } else if constexpr (wire == encoding::resume) {
        value = r.resume();
    } else if constexpr (wire == encoding::utf8) {
        value = r.text(field.name, field.max_bytes);
    } else if constexpr (wire == encoding::utf8_each) {
        while (!r.failed() && r.remaining() > 0)
            value.push_back(r.text(field.name, field.max_bytes));
    } else {
        static_assert(wire == encoding::records);
        value = r.rejected_counts();
    }
}

// The frames of message M: its topic if it is an event, the signature, the word, its fields.
template <class M>
frame_list encode_message(const M& m, std::string topic) {
    constexpr auto& layout = shape_of<M>;
    frame_list f;
    f.reserve(first_field_frame<M> + layout.field_count);
    if constexpr (is_alternative_of<M, event>)
        f.push_back(std::move(topic));
    f.push_back(header_frame());
    f.emplace_back(layout.word);
    std::apply([&](const auto&... field) { (put(f, m.*field.member), ...); }, layout.fields);
    return f;
}

// Reads message M's fields, the reader standing on the first of them.
template <class V, class M>
decoded<V> decode_as(field_reader& r) {
    M m{};
    std::apply([&](const auto&... field) { (read(r, field, m.*field.member), ...); },
               shape_of<M>.fields);
    if (r.failed())
        return r.error();
    return decoded<V>{std::in_place_index<0>, std::in_place_type<M>, std::move(m)};
}

// What decoding needs of every alternative of the variant V, in the variant's order.
template <class V>
struct decoder_table;

template <class... M>
struct decoder_table<std::variant<M...>> {
    using variant = std::variant<M...>;
    static constexpr std::array<std::string_view, sizeof...(M)> words{shape_of<M>.word...};
    static constexpr std::array<std::size_t, sizeof...(M)> field_counts{shape_of<M>.field_count...};
    static constexpr std::array<bool, sizeof...(M)> trailing_lists{shape_of<M>.trailing_list...};
    static constexpr std::array<decoded<variant> (*)(field_reader&), sizeof...(M)> decoders{
        &decode_as<variant, M>...};

    // The word's alternative, or nothing if the variant has no message with that word.
    static std::optional<std::size_t> find(std::string_view word) {
        const auto it = std::find(words.begin(), words.end(), word);
        if (it == words.end())
            return std::nullopt;
        return static_cast<std::size_t>(it - words.begin());
    }

    // Whether `count` field frames fit alternative `index`.
    static bool fits(std::size_t index, std::size_t count) {
        return trailing_lists[index] ? count + 1 >= field_counts[index]
                                     : count == field_counts[index];
    }
};

// PROTOCOL.md, "Limits": no command needs more frames than a broker accepts.
static_assert([]<class... M>(std::type_identity<std::variant<M...>>) {
    return ((first_field_frame<M> + shape_of<M>.field_count <= max_command_frames) && ...);
}(std::type_identity<command>{}));

// Decodes a message of the variant V whose signature frame is frames[first] (already checked):
// looks up the word and checks the frame count it requires before reading any field.
template <class V>
decoded<V> decode_message(std::span<const std::string_view> frames, std::size_t first) {
    using table = decoder_table<V>;
    if (frames.size() <= first + 1)
        return decode_error{error_code::malformed, "missing command frame"};
    const std::string_view word = frames[first + 1];
    const auto index = table::find(word);
    if (!index)
        return decode_error{error_code::unknown_command, "unknown command"};
    if (!table::fits(*index, frames.size() - first - 2))
        return decode_error{error_code::malformed,
                            std::string{word} + " has the wrong number of frames"};
    field_reader r(frames, first + 2);
    return table::decoders[*index](r);
}

} // namespace

std::string topic_of(const event& e) {
    const std::string room{default_room};
    return std::visit(
        [&](const auto& ev) -> std::string {
            using T = std::decay_t<decltype(ev)>;
            if constexpr (std::is_same_v<T, line>)
                return std::string{topic::chat} + room + "/";
            else if constexpr (std::is_same_v<T, joined> || std::is_same_v<T, left>)
                return std::string{topic::presence} + room + "/";
            else if constexpr (std::is_same_v<T, heartbeat>)
                return std::string{topic::system} + "heartbeat/";
            else if constexpr (std::is_same_v<T, shutdown>)
                return std::string{topic::system} + "shutdown/";
            else if constexpr (std::is_same_v<T, stats>)
                return std::string{topic::system} + "stats/";
            else
                return probe_topic(ev.session_id);
        },
        e);
}

std::string probe_topic(std::uint64_t session_id) {
    return std::string{topic::probe} + std::to_string(session_id) + "/";
}

frame_list encode(const command& c) {
    return std::visit([](const auto& m) { return encode_message(m, {}); }, c);
}

frame_list encode(const reply& r) {
    return std::visit([](const auto& m) { return encode_message(m, {}); }, r);
}

frame_list encode(const event& e) {
    return std::visit([&](const auto& m) { return encode_message(m, topic_of(e)); }, e);
}

decoded<command> decode_command(std::span<const std::string_view> frames) {
    if (frames.empty())
        return decode_error{error_code::malformed, "empty message"};
    if (frames.size() > max_command_frames)
        return decode_error{error_code::malformed, "too many frames"};
    if (auto bad = check_header(frames[0]))
        return *bad;
    return decode_message<command>(frames, 0);
}

decoded<reply> decode_reply(std::span<const std::string_view> frames) {
    if (frames.empty())
        return decode_error{error_code::malformed, "empty message"};
    if (auto bad = check_header(frames[0]))
        return *bad;
    return decode_message<reply>(frames, 0);
}

decoded<event> decode_event(std::span<const std::string_view> frames) {
    if (frames.size() < 2)
        return decode_error{error_code::malformed, "missing topic or signature frame"};
    if (auto bad = check_header(frames[1]))
        return *bad;
    return decode_message<event>(frames, 1);
}

std::optional<event_header> decode_event_header(std::span<const std::string_view> frames,
                                                std::size_t text_bytes) {
    using table = decoder_table<event>;
    // topic, signature, word, epoch, seq, fields...
    constexpr std::size_t first_field = 5;
    if (frames.size() < first_field || !is_our_header(frames[1]))
        return std::nullopt;
    const auto kind = table::find(frames[2]);
    if (!kind || !table::fits(*kind, frames.size() - 3) || frames[3].size() != 8 ||
        frames[4].size() != 8)
        return std::nullopt;
    event_header h{static_cast<event_kind>(*kind),
                   from_be<std::uint64_t>(frames[3]),
                   from_be<std::uint64_t>(frames[4]),
                   {}};
    // LINE's text is its last frame.
    constexpr auto& line_shape = shape_of<line>;
    static_assert(std::get<line_shape.field_count - 1>(line_shape.fields).member == &line::text);
    if (h.kind == event_kind::line)
        h.text_head =
            frames[first_field_frame<line> + line_shape.field_count - 1].substr(0, text_bytes);
    return h;
}

std::vector<std::string_view> views(const frame_list& frames) {
    return {frames.begin(), frames.end()};
}

} // namespace zchat::proto
