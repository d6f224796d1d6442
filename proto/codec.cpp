// Encoding and decoding, driven by the descriptions in shapes.hpp: this file knows how each
// encoding is written and read, not which fields a message has. The exceptions are the topics an
// event is published under, and decode_event_headers' look at LINE's text (its last field).
#include "proto/codec.hpp"
#include "proto/shapes.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <limits>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

namespace zchat::proto {
namespace {

// A word's length is one byte; no word is longer than this.
constexpr std::size_t max_word_bytes = 16;
// Length prefixes of utf8 fields and counts of lists and records.
using length_prefix = std::uint32_t;
constexpr std::size_t resume_bytes = 8 + 16;

// The width of a fixed-width encoding.
template <encoding wire>
constexpr std::size_t fixed_bytes = wire == encoding::u8    ? 1
                                    : wire == encoding::u16 ? 2
                                    : wire == encoding::u32 ? 4
                                    : wire == encoding::u64 ? 8
                                                            : 16; // secret

// The fewest bytes a field of this encoding takes: an empty text, list or resume, or its width.
template <encoding wire>
constexpr std::size_t min_bytes = wire == encoding::utf8 || wire == encoding::utf8_list ||
                                          wire == encoding::records
                                      ? sizeof(length_prefix)
                                  : wire == encoding::resume ? 1
                                                             : fixed_bytes<wire>;

// The fewest bytes a record of type R takes.
template <class R>
constexpr std::size_t record_min_bytes = std::apply(
    [](const auto&... field) {
        return (std::size_t{0} + ... + min_bytes<std::decay_t<decltype(field)>::wire>);
    },
    shape_of<R>.fields);

// ---- Writing ----

template <class Int>
void put_be(std::string& out, Int value) {
    for (std::size_t i = sizeof(Int); i-- > 0;)
        out.push_back(static_cast<char>(static_cast<std::uint8_t>(value >> (8 * i))));
}

void put_bytes(std::string& out, const session_secret& secret) {
    out.append(reinterpret_cast<const char*>(secret.data()), secret.size());
}

void put_text(std::string& out, std::string_view text) {
    put_be(out, static_cast<length_prefix>(text.size()));
    out.append(text);
}

// Appends one field.
template <class T>
void put(std::string& out, const T& value) {
    constexpr encoding wire = encoding_of<T>();
    if constexpr (std::is_enum_v<T>) {
        put_be(out, static_cast<std::underlying_type_t<T>>(value));
    } else if constexpr (std::is_integral_v<T>) {
        put_be(out, value);
    } else if constexpr (wire == encoding::secret) {
        put_bytes(out, value);
    } else if constexpr (wire == encoding::resume) {
        out.push_back(static_cast<char>(value ? resume_bytes : 0));
        if (value) {
            put_be(out, value->session_id);
            put_bytes(out, value->secret);
        }
    } else if constexpr (wire == encoding::utf8) {
        put_text(out, value);
    } else if constexpr (wire == encoding::utf8_list) {
        put_be(out, static_cast<length_prefix>(value.size()));
        for (const std::string& text : value)
            put_text(out, text);
    } else {
        static_assert(wire == encoding::records);
        put_be(out, static_cast<length_prefix>(value.size()));
        for (const auto& record : value)
            std::apply([&](const auto&... field) { (put(out, record.*field.member), ...); },
                       shape_of<std::decay_t<decltype(record)>>.fields);
    }
}

// Appends message M's word and fields: one event of a body, or a whole body after the header.
template <class M>
void put_message(std::string& out, const M& m) {
    constexpr auto& layout = shape_of<M>;
    static_assert(layout.word.size() <= max_word_bytes);
    out.push_back(static_cast<char>(layout.word.size()));
    out.append(layout.word);
    std::apply([&](const auto&... field) { (put(out, m.*field.member), ...); }, layout.fields);
}

std::string header() {
    std::string out{signature};
    out.push_back(static_cast<char>(protocol_version));
    return out;
}

// ---- Reading ----

template <class Int>
Int from_be(std::string_view bytes) {
    Int value = 0;
    for (const char c : bytes)
        value = static_cast<Int>((value << 8) | static_cast<std::uint8_t>(c));
    return value;
}

// Reads fields in order from a body. The first failure is kept; later reads are no-ops that
// return empty values, so a decoder reads a whole message and checks once.
class body_reader {
public:
    body_reader(std::string_view body, std::size_t at) : body_(body), at_(at) {}

    template <class Int>
    Int number(std::string_view field) {
        return from_be<Int>(bytes(sizeof(Int), field));
    }

    session_secret secret(std::string_view field) {
        session_secret s{};
        const std::string_view b = bytes(s.size(), field);
        std::copy(b.begin(), b.end(), reinterpret_cast<char*>(s.data()));
        return s;
    }

    // A utf8 field's bytes, viewing the body.
    std::string_view text(std::string_view field, std::size_t max_bytes) {
        const auto length = number<length_prefix>(field);
        if (!failed() && length > max_bytes)
            fail(error_code::too_long,
                 std::string{field} + " is longer than " + std::to_string(max_bytes) + " bytes");
        return bytes(length, field);
    }

    std::optional<resume_ticket> resume(std::string_view field) {
        const auto length = number<std::uint8_t>(field);
        if (failed() || length == 0)
            return std::nullopt;
        if (length != resume_bytes) {
            fail(error_code::malformed, std::string{field} + " must be empty or 24 bytes");
            return std::nullopt;
        }
        resume_ticket t;
        t.session_id = number<std::uint64_t>(field);
        t.secret = secret(field);
        return t;
    }

    // A count of list elements or records that must each take at least `min_bytes`: refused at
    // once if the body cannot hold that many, so no count makes a decoder reserve or loop for
    // what is not there.
    std::size_t count(std::string_view field, std::size_t min_bytes) {
        const auto n = number<length_prefix>(field);
        if (!failed() && n > remaining() / min_bytes)
            fail(error_code::malformed,
                 std::string{field} + ": " + std::to_string(n) + " do not fit the message");
        return failed() ? 0 : n;
    }

    // Passes over a field of a fixed-width encoding.
    template <encoding wire>
    void skip_fixed(std::string_view field) {
        if constexpr (wire == encoding::resume)
            (void)resume(field);
        else
            bytes(fixed_bytes<wire>, field);
    }

    // The next n bytes, viewing the body.
    std::string_view bytes(std::size_t n, std::string_view field) {
        if (failed())
            return {};
        if (n > remaining()) {
            fail(error_code::malformed, std::string{field} + " is cut short");
            return {};
        }
        const std::string_view b = body_.substr(at_, n);
        at_ += n;
        return b;
    }

    // The next n bytes without reading them; empty if there are fewer.
    std::string_view peek(std::size_t n) const {
        return n <= remaining() ? body_.substr(at_, n) : std::string_view{};
    }

    std::size_t remaining() const { return body_.size() - at_; }
    bool failed() const { return error_.has_value(); }
    decode_error error() const { return *error_; }
    void fail(error_code code, std::string reason) {
        if (!error_)
            error_ = decode_error{code, std::move(reason)};
    }

private:
    std::string_view body_;
    std::size_t at_;
    std::optional<decode_error> error_;
};

// Reads one field into `value`.
template <class T, class Field>
void read(body_reader& r, const Field& field, T& value) {
    constexpr encoding wire = encoding_of<T>();
    if constexpr (std::is_enum_v<T>) {
        value = static_cast<T>(r.number<std::underlying_type_t<T>>(field.name));
    } else if constexpr (std::is_integral_v<T>) {
        value = r.number<T>(field.name);
    } else if constexpr (wire == encoding::secret) {
        value = r.secret(field.name);
    } else if constexpr (wire == encoding::resume) {
        value = r.resume(field.name);
    } else if constexpr (wire == encoding::utf8) {
        value = std::string{r.text(field.name, field.max_bytes)};
    } else if constexpr (wire == encoding::utf8_list) {
        const std::size_t n = r.count(field.name, sizeof(length_prefix));
        value.reserve(n);
        for (std::size_t i = 0; i < n && !r.failed(); ++i)
            value.emplace_back(r.text(field.name, field.max_bytes));
    } else {
        static_assert(wire == encoding::records);
        using record = typename T::value_type;
        const std::size_t n = r.count(field.name, record_min_bytes<record>);
        value.reserve(n);
        for (std::size_t i = 0; i < n && !r.failed(); ++i) {
            record& rec = value.emplace_back();
            std::apply([&](const auto&... f) { (read(r, f, rec.*f.member), ...); },
                       shape_of<record>.fields);
        }
    }
}

// The texts a pass over a message keeps: its first and its last utf8 field.
struct seen_texts {
    std::optional<std::string_view> first;
    std::string_view last;

    void saw(std::string_view text) {
        if (!first)
            first = text;
        last = text;
    }
};

// Passes over one field without decoding it, keeping the views of utf8 fields' bytes in `texts`.
// Caps are not checked: a reader of headers checks only that the fields fit.
template <class Field>
void skip(body_reader& r, const Field& field, seen_texts& texts) {
    constexpr std::size_t any_length = std::numeric_limits<length_prefix>::max();
    constexpr encoding wire = Field::wire;
    if constexpr (wire == encoding::utf8) {
        texts.saw(r.text(field.name, any_length));
    } else if constexpr (wire == encoding::utf8_list) {
        const std::size_t n = r.count(field.name, sizeof(length_prefix));
        for (std::size_t i = 0; i < n && !r.failed(); ++i)
            texts.saw(r.text(field.name, any_length));
    } else if constexpr (wire == encoding::records) {
        using record = typename Field::type::value_type;
        const std::size_t n = r.count(field.name, record_min_bytes<record>);
        seen_texts inner;
        for (std::size_t i = 0; i < n && !r.failed(); ++i)
            std::apply([&](const auto&... f) { (skip(r, f, inner), ...); },
                       shape_of<record>.fields);
    } else {
        r.template skip_fixed<wire>(field.name);
    }
}

// Checks the signature and version at the start of a body. An error, or nothing if it is ours.
std::optional<decode_error> check_header(std::string_view body) {
    if (body.empty())
        return decode_error{error_code::malformed, "empty message"};
    if (body.size() < signature_bytes || body.substr(0, signature.size()) != signature)
        return decode_error{error_code::bad_signature, "not a zchat message (expected ZCHAT)"};
    const auto version = static_cast<std::uint8_t>(body[signature.size()]);
    if (version != protocol_version)
        return decode_error{
            error_code::unsupported_version,
            "protocol version " + std::to_string(version) +
                " is not supported; supported versions: " + std::to_string(protocol_version)};
    return std::nullopt;
}

// What decoding needs of every alternative of the variant V, in the variant's order.
template <class V>
struct decoder_table;

template <class... M>
struct decoder_table<std::variant<M...>> {
    using variant = std::variant<M...>;
    static constexpr std::array<std::string_view, sizeof...(M)> words{shape_of<M>.word...};

    // Reads message M's fields, the reader standing on the first of them.
    template <class Alternative>
    static variant decode_as(body_reader& r) {
        Alternative m{};
        std::apply([&](const auto&... field) { (read(r, field, m.*field.member), ...); },
                   shape_of<Alternative>.fields);
        return variant{std::in_place_type<Alternative>, std::move(m)};
    }
    static constexpr std::array<variant (*)(body_reader&), sizeof...(M)> decoders{&decode_as<M>...};

    // Passes over message M's fields, keeping the views of its first and last utf8 fields.
    template <class Alternative>
    static seen_texts skip_as(body_reader& r) {
        seen_texts texts;
        std::apply([&](const auto&... field) { (skip(r, field, texts), ...); },
                   shape_of<Alternative>.fields);
        return texts;
    }
    static constexpr std::array<seen_texts (*)(body_reader&), sizeof...(M)> skippers{
        &skip_as<M>...};

    // Reads a word and finds its alternative. Nothing, with the reader failed, if there is no
    // message with that word.
    static std::optional<std::size_t> word(body_reader& r) {
        const auto length = r.number<std::uint8_t>("word");
        const std::string_view w = r.bytes(length, "word");
        if (r.failed())
            return std::nullopt;
        const auto it = std::find(words.begin(), words.end(), w);
        if (it == words.end()) {
            r.fail(error_code::unknown_command, "unknown command");
            return std::nullopt;
        }
        return static_cast<std::size_t>(it - words.begin());
    }
};

// Decodes the one message of the variant V that a body holds after its header.
template <class V>
decoded<V> decode_body(std::string_view body) {
    using table = decoder_table<V>;
    body_reader r(body, signature_bytes);
    if (r.remaining() == 0)
        return decode_error{error_code::malformed, "missing word"};
    const auto index = table::word(r);
    if (!index)
        return r.error();
    V m = table::decoders[*index](r);
    if (!r.failed() && r.remaining() > 0)
        r.fail(error_code::malformed, std::string{table::words[*index]} + " has " +
                                          std::to_string(r.remaining()) +
                                          " bytes after its last field");
    if (r.failed())
        return r.error();
    return decoded<V>{std::in_place_index<0>, std::move(m)};
}

// A command or a reply: one frame, its body.
template <class V>
decoded<V> decode_single_frame(std::span<const std::string_view> frames) {
    if (frames.empty())
        return decode_error{error_code::malformed, "empty message"};
    if (auto bad = check_header(frames[0]))
        return *bad;
    if (frames.size() != 1)
        return decode_error{error_code::malformed, "a message is one frame; this one has " +
                                                       std::to_string(frames.size())};
    return decode_body<V>(frames[0]);
}

// An event message's body, after checking its frame count and header; nothing, with the error,
// if they are wrong.
std::variant<std::string_view, decode_error> event_body(std::span<const std::string_view> frames) {
    if (frames.size() < 2)
        return decode_error{error_code::malformed, "missing topic or body frame"};
    if (auto bad = check_header(frames[1]))
        return *bad;
    if (frames.size() != 2)
        return decode_error{error_code::malformed,
                            "an event is two frames (topic, body); this one has " +
                                std::to_string(frames.size())};
    return frames[1];
}

} // namespace

std::string topic_of(const event& e) {
    return std::visit(
        [&](const auto& ev) -> std::string {
            using T = std::decay_t<decltype(ev)>;
            if constexpr (std::is_same_v<T, line>)
                return chat_topic(ev.room);
            else if constexpr (std::is_same_v<T, joined> || std::is_same_v<T, left>)
                return presence_topic(ev.room);
            else if constexpr (std::is_same_v<T, heartbeat>)
                return std::string{topic::heartbeat};
            else if constexpr (std::is_same_v<T, shutdown>)
                return std::string{topic::shutdown};
            else if constexpr (std::is_same_v<T, stats>)
                return std::string{topic::stats};
            else if constexpr (std::is_same_v<T, relay_stats>)
                return std::string{topic::relay};
            else
                return probe_topic(ev.session_id);
        },
        e);
}

std::string chat_topic(std::string_view room) {
    return std::string{topic::chat}.append(room) + "/";
}

std::string presence_topic(std::string_view room) {
    return std::string{topic::presence}.append(room) + "/";
}

std::string probe_topic(std::uint64_t session_id) {
    return std::string{topic::probe} + std::to_string(session_id) + "/";
}

frame_list encode(const command& c) {
    std::string body = header();
    std::visit([&](const auto& m) { put_message(body, m); }, c);
    return {std::move(body)};
}

frame_list encode(const reply& r) {
    std::string body = header();
    std::visit([&](const auto& m) { put_message(body, m); }, r);
    return {std::move(body)};
}

frame_list encode(const event& e) {
    return encode_batch(std::span{&e, 1});
}

frame_list encode_batch(std::span<const event> events) {
    assert(!events.empty());
    std::string body = header();
    for (const event& e : events) {
        assert(topic_of(e) == topic_of(events.front()));
        std::visit([&](const auto& m) { put_message(body, m); }, e);
    }
    return {topic_of(events.front()), std::move(body)};
}

void extend_batch(frame_list& batch, const frame_list& more) {
    assert(batch.size() == 2 && more.size() == 2 && batch[0] == more[0]);
    batch[1].append(more[1], signature_bytes);
}

frame_list encode_v1_error(const error& e) {
    std::string signature_frame{signature};
    signature_frame.push_back(static_cast<char>(retired_version));
    std::string code;
    put_be(code, static_cast<std::uint16_t>(e.code));
    std::string message_id;
    put_be(message_id, e.message_id);
    return {std::move(signature_frame), "ERROR", std::move(code), std::move(message_id), e.reason};
}

bool is_v1_message(std::span<const std::string_view> frames) {
    return !frames.empty() && frames[0].size() == signature_bytes &&
           frames[0].starts_with(signature) &&
           static_cast<std::uint8_t>(frames[0].back()) == retired_version;
}

decoded<command> decode_command(std::span<const std::string_view> frames) {
    return decode_single_frame<command>(frames);
}

decoded<reply> decode_reply(std::span<const std::string_view> frames) {
    return decode_single_frame<reply>(frames);
}

decoded<std::vector<event>> decode_events(std::span<const std::string_view> frames) {
    using table = decoder_table<event>;
    auto body = event_body(frames);
    if (auto* bad = std::get_if<decode_error>(&body))
        return *bad;
    body_reader r(std::get<std::string_view>(body), signature_bytes);
    if (r.remaining() == 0)
        return decode_error{error_code::malformed, "missing event word"};
    std::vector<event> events;
    while (r.remaining() > 0) {
        const auto index = table::word(r);
        if (!index)
            break;
        events.push_back(table::decoders[*index](r));
    }
    if (r.failed())
        return r.error();
    return events;
}

decoded<event> decode_event(std::span<const std::string_view> frames) {
    auto events = decode_events(frames);
    if (auto* bad = std::get_if<decode_error>(&events))
        return *bad;
    auto& all = std::get<std::vector<event>>(events);
    if (all.size() != 1)
        return decode_error{error_code::malformed,
                            "a batch of " + std::to_string(all.size()) + " events, not one"};
    return std::move(all.front());
}

bool decode_event_headers(std::span<const std::string_view> frames, std::size_t text_bytes,
                          std::vector<event_header>& out) {
    using table = decoder_table<event>;
    out.clear();
    auto body = event_body(frames);
    if (std::holds_alternative<decode_error>(body))
        return false;
    body_reader r(std::get<std::string_view>(body), signature_bytes);
    if (r.remaining() == 0)
        return false;
    // A room's event has its room as its first text field; LINE's text is its last field.
    constexpr auto& line_shape = shape_of<line>;
    static_assert(std::get<line_shape.field_count - 1>(line_shape.fields).member == &line::text);
    static_assert(std::get<2>(line_shape.fields).member == &line::room &&
                  std::get<2>(shape_of<joined>.fields).member == &joined::room &&
                  std::get<2>(shape_of<left>.fields).member == &left::room);
    while (r.remaining() > 0) {
        const auto index = table::word(r);
        if (!index)
            break;
        // The epoch is every event's first field, right after the word; a room's event's seq
        // comes next. A broker-wide event may end sooner (SHUTDOWN is its epoch alone): the
        // skipper below refuses what is cut short.
        const std::string_view epoch_and_seq = r.peek(std::min<std::size_t>(16, r.remaining()));
        const seen_texts texts = table::skippers[*index](r);
        if (r.failed())
            break;
        event_header h{static_cast<event_kind>(*index),
                       from_be<std::uint64_t>(epoch_and_seq.substr(0, 8)),
                       0,
                       {},
                       {}};
        if (sequenced(h.kind)) {
            h.seq = from_be<std::uint64_t>(epoch_and_seq.substr(8, 8));
            h.room = texts.first.value_or(std::string_view{});
        }
        if (h.kind == event_kind::line)
            h.text_head = texts.last.substr(0, text_bytes);
        out.push_back(h);
    }
    if (r.failed()) {
        out.clear();
        return false;
    }
    return true;
}

std::vector<std::string_view> views(const frame_list& frames) {
    return {frames.begin(), frames.end()};
}

std::string_view word_of(std::string_view body) {
    if (body.size() <= signature_bytes)
        return {};
    const auto length = static_cast<unsigned char>(body[signature_bytes]);
    if (body.size() < signature_bytes + 1 + length)
        return {};
    return body.substr(signature_bytes + 1, length);
}

} // namespace zchat::proto
