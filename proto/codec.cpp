// Frame layouts follow PROTOCOL.md; the tables there and the functions here are kept in step.
#include "proto/codec.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>

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

frame_list start(std::string_view word) {
    return {header_frame(), std::string{word}};
}

frame_list start_event(std::string topic, std::string_view word, std::uint64_t epoch,
                       std::uint64_t seq) {
    return {std::move(topic), header_frame(), std::string{word}, be(epoch), be(seq)};
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

struct shape {
    std::string_view word;
    int fields; // exact field-frame count; negative: at least that many

    bool fits(std::size_t count) const {
        return fields >= 0 ? count == static_cast<std::size_t>(fields)
                           : count >= static_cast<std::size_t>(-fields);
    }
};

// The word's entry in the table, or nothing if the table does not have it.
template <class Table>
std::optional<std::size_t> find_shape(const Table& table, std::string_view word) {
    const auto it = std::find_if(table.begin(), table.end(),
                                 [&](const auto& entry) { return entry.word == word; });
    if (it == table.end())
        return std::nullopt;
    return static_cast<std::size_t>(it - table.begin());
}

// Looks up the command word and checks the frame count it requires, before reading any field.
template <class Table>
std::optional<decode_error> check_shape(std::span<const std::string_view> frames, std::size_t first,
                                        const Table& table, std::size_t& index) {
    if (frames.size() <= first + 1)
        return decode_error{error_code::malformed, "missing command frame"};
    const std::string_view word = frames[first + 1];
    const auto found = find_shape(table, word);
    if (!found)
        return decode_error{error_code::unknown_command, "unknown command"};
    index = *found;
    if (!table[index].fits(frames.size() - first - 2))
        return decode_error{error_code::malformed,
                            std::string{word} + " has the wrong number of frames"};
    return std::nullopt;
}

constexpr std::array<shape, 6> command_shapes{{
    {"HELLO", 2},
    {"READY", 2},
    {"SAY", 3},
    {"WHO", 1},
    {"BYE", 1},
    {"PING", 2},
}};

constexpr std::array<shape, 4> reply_shapes{{
    {"WELCOME", 12},
    {"ERROR", 3},
    {"ACK", 2},
    {"ROSTER", -1},
}};

constexpr std::array<shape, 7> event_shapes{{
    {"LINE", 6},
    {"JOIN", 6},
    {"LEAVE", 7},
    {"HEARTBEAT", 5},
    {"PROBE", 3},
    {"SHUTDOWN", 2},
    {"STATS", 13},
}};

// The decoded message, or the first error the reader met while decoding it.
template <class T, class Result>
Result finish(const field_reader& r, T value) {
    if (r.failed())
        return r.error();
    return value;
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
    return std::visit(
        [](const auto& m) -> frame_list {
            using T = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<T, hello>) {
                frame_list f = start("HELLO");
                f.push_back(m.name);
                f.push_back(m.resume ? be(m.resume->session_id) + bytes(m.resume->secret) : "");
                return f;
            } else if constexpr (std::is_same_v<T, ready>) {
                frame_list f = start("READY");
                f.push_back(bytes(m.secret));
                f.push_back(be(m.probe_seq));
                return f;
            } else if constexpr (std::is_same_v<T, say>) {
                frame_list f = start("SAY");
                f.push_back(bytes(m.secret));
                f.push_back(be(m.message_id));
                f.push_back(m.text);
                return f;
            } else if constexpr (std::is_same_v<T, who>) {
                frame_list f = start("WHO");
                f.push_back(bytes(m.secret));
                return f;
            } else if constexpr (std::is_same_v<T, bye>) {
                frame_list f = start("BYE");
                f.push_back(bytes(m.secret));
                return f;
            } else {
                frame_list f = start("PING");
                f.push_back(bytes(m.secret));
                f.push_back(be(m.last_seq));
                return f;
            }
        },
        c);
}

frame_list encode(const reply& r) {
    return std::visit(
        [](const auto& m) -> frame_list {
            using T = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<T, welcome>) {
                frame_list f = start("WELCOME");
                f.push_back(m.name);
                f.push_back(be(m.session_id));
                f.push_back(bytes(m.secret));
                f.push_back(be(m.epoch));
                f.push_back(be(m.seq));
                f.push_back(be(m.online));
                f.push_back(be(m.heartbeat_ms));
                f.push_back(be(m.liveness));
                f.push_back(be(m.max_name_chars));
                f.push_back(be(m.max_text_bytes));
                f.push_back(be(m.rate_per_second));
                f.push_back(be(m.rate_burst));
                return f;
            } else if constexpr (std::is_same_v<T, error>) {
                frame_list f = start("ERROR");
                f.push_back(be(static_cast<std::uint16_t>(m.code)));
                f.push_back(be(m.message_id));
                f.push_back(m.reason);
                return f;
            } else if constexpr (std::is_same_v<T, ack>) {
                frame_list f = start("ACK");
                f.push_back(be(m.message_id));
                f.push_back(be(m.seq));
                return f;
            } else {
                frame_list f = start("ROSTER");
                f.push_back(be(m.roster_version));
                f.insert(f.end(), m.names.begin(), m.names.end());
                return f;
            }
        },
        r);
}

frame_list encode(const event& e) {
    std::string topic = topic_of(e);
    return std::visit(
        [&](const auto& m) -> frame_list {
            using T = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<T, line>) {
                frame_list f = start_event(std::move(topic), "LINE", m.epoch, m.seq);
                f.push_back(m.sender);
                f.push_back(be(m.session_id));
                f.push_back(be(m.message_id));
                f.push_back(m.text);
                return f;
            } else if constexpr (std::is_same_v<T, joined>) {
                frame_list f = start_event(std::move(topic), "JOIN", m.epoch, m.seq);
                f.push_back(m.name);
                f.push_back(be(m.session_id));
                f.push_back(be(m.online));
                f.push_back(be(m.roster_version));
                return f;
            } else if constexpr (std::is_same_v<T, left>) {
                frame_list f = start_event(std::move(topic), "LEAVE", m.epoch, m.seq);
                f.push_back(m.name);
                f.push_back(be(m.session_id));
                f.push_back(be(m.online));
                f.push_back(be(m.roster_version));
                f.push_back(be(static_cast<std::uint8_t>(m.reason)));
                return f;
            } else if constexpr (std::is_same_v<T, heartbeat>) {
                frame_list f = start_event(std::move(topic), "HEARTBEAT", m.epoch, m.seq);
                f.push_back(be(m.online));
                f.push_back(be(m.roster_version));
                f.push_back(be(m.interval_ms));
                return f;
            } else if constexpr (std::is_same_v<T, probe>) {
                frame_list f = start_event(std::move(topic), "PROBE", m.epoch, m.seq);
                f.push_back(be(m.session_id));
                return f;
            } else if constexpr (std::is_same_v<T, shutdown>) {
                return start_event(std::move(topic), "SHUTDOWN", m.epoch, m.seq);
            } else {
                frame_list f = start_event(std::move(topic), "STATS", m.epoch, m.seq);
                f.push_back(be(m.uptime_ms));
                f.push_back(be(m.online));
                f.push_back(be(m.peak_online));
                f.push_back(be(m.events_published));
                f.push_back(be(m.lines_in));
                f.push_back(be(m.bytes_in));
                f.push_back(be(m.bytes_out));
                f.push_back(be(m.expired));
                f.push_back(be(m.evicted));
                f.push_back(be(m.lagging));
                std::string rejected;
                for (const auto& [code, count] : m.rejected)
                    rejected += be(static_cast<std::uint16_t>(code)) + be(count);
                f.push_back(std::move(rejected));
                return f;
            }
        },
        e);
}

decoded<command> decode_command(std::span<const std::string_view> frames) {
    if (frames.empty())
        return decode_error{error_code::malformed, "empty message"};
    if (frames.size() > max_command_frames)
        return decode_error{error_code::malformed, "too many frames"};
    if (auto bad = check_header(frames[0]))
        return *bad;
    std::size_t kind = 0;
    if (auto bad = check_shape(frames, 0, command_shapes, kind))
        return *bad;

    field_reader r(frames, 2);
    switch (kind) {
    case 0: {
        hello m;
        m.name = r.text("name", max_name_bytes);
        m.resume = r.resume();
        return finish<hello, decoded<command>>(r, std::move(m));
    }
    case 1: {
        ready m;
        m.secret = r.secret();
        m.probe_seq = r.number<std::uint64_t>("probe seq");
        return finish<ready, decoded<command>>(r, std::move(m));
    }
    case 2: {
        say m;
        m.secret = r.secret();
        m.message_id = r.number<std::uint64_t>("message id");
        m.text = r.text("text", max_text_bytes);
        return finish<say, decoded<command>>(r, std::move(m));
    }
    case 3:
        return finish<who, decoded<command>>(r, who{r.secret()});
    case 4:
        return finish<bye, decoded<command>>(r, bye{r.secret()});
    default: {
        ping m;
        m.secret = r.secret();
        m.last_seq = r.number<std::uint64_t>("last seq");
        return finish<ping, decoded<command>>(r, std::move(m));
    }
    }
}

decoded<reply> decode_reply(std::span<const std::string_view> frames) {
    if (frames.empty())
        return decode_error{error_code::malformed, "empty message"};
    if (auto bad = check_header(frames[0]))
        return *bad;
    std::size_t kind = 0;
    if (auto bad = check_shape(frames, 0, reply_shapes, kind))
        return *bad;

    field_reader r(frames, 2);
    switch (kind) {
    case 0: {
        welcome m;
        m.name = r.text("name", max_name_bytes);
        m.session_id = r.number<std::uint64_t>("session id");
        m.secret = r.secret();
        m.epoch = r.number<std::uint64_t>("epoch");
        m.seq = r.number<std::uint64_t>("seq");
        m.online = r.number<std::uint32_t>("online");
        m.heartbeat_ms = r.number<std::uint32_t>("heartbeat ms");
        m.liveness = r.number<std::uint32_t>("liveness");
        m.max_name_chars = r.number<std::uint32_t>("max name chars");
        m.max_text_bytes = r.number<std::uint32_t>("max text bytes");
        m.rate_per_second = r.number<std::uint32_t>("rate per second");
        m.rate_burst = r.number<std::uint32_t>("rate burst");
        return finish<welcome, decoded<reply>>(r, std::move(m));
    }
    case 1: {
        error m;
        m.code = static_cast<error_code>(r.number<std::uint16_t>("code"));
        m.message_id = r.number<std::uint64_t>("message id");
        m.reason = r.text("reason", max_text_bytes);
        return finish<error, decoded<reply>>(r, std::move(m));
    }
    case 2: {
        ack m;
        m.message_id = r.number<std::uint64_t>("message id");
        m.seq = r.number<std::uint64_t>("seq");
        return finish<ack, decoded<reply>>(r, m);
    }
    default: {
        roster m;
        m.roster_version = r.number<std::uint64_t>("roster version");
        for (std::size_t i = 3; i < frames.size(); ++i)
            m.names.push_back(r.text("name", max_name_bytes));
        return finish<roster, decoded<reply>>(r, std::move(m));
    }
    }
}

decoded<event> decode_event(std::span<const std::string_view> frames) {
    if (frames.size() < 2)
        return decode_error{error_code::malformed, "missing topic or signature frame"};
    if (auto bad = check_header(frames[1]))
        return *bad;
    std::size_t kind = 0;
    if (auto bad = check_shape(frames, 1, event_shapes, kind))
        return *bad;

    field_reader r(frames, 3);
    const auto epoch = r.number<std::uint64_t>("epoch");
    const auto seq = r.number<std::uint64_t>("seq");
    switch (kind) {
    case 0: {
        line m{epoch, seq, {}, 0, 0, {}};
        m.sender = r.text("sender", max_name_bytes);
        m.session_id = r.number<std::uint64_t>("session id");
        m.message_id = r.number<std::uint64_t>("message id");
        m.text = r.text("text", max_text_bytes);
        return finish<line, decoded<event>>(r, std::move(m));
    }
    case 1: {
        joined m{epoch, seq, {}, 0, 0, 0};
        m.name = r.text("name", max_name_bytes);
        m.session_id = r.number<std::uint64_t>("session id");
        m.online = r.number<std::uint32_t>("online");
        m.roster_version = r.number<std::uint64_t>("roster version");
        return finish<joined, decoded<event>>(r, std::move(m));
    }
    case 2: {
        left m{epoch, seq, {}, 0, 0, 0, leave_reason::quit};
        m.name = r.text("name", max_name_bytes);
        m.session_id = r.number<std::uint64_t>("session id");
        m.online = r.number<std::uint32_t>("online");
        m.roster_version = r.number<std::uint64_t>("roster version");
        m.reason = static_cast<leave_reason>(r.number<std::uint8_t>("reason"));
        return finish<left, decoded<event>>(r, std::move(m));
    }
    case 3: {
        heartbeat m{epoch, seq, 0, 0, 0};
        m.online = r.number<std::uint32_t>("online");
        m.roster_version = r.number<std::uint64_t>("roster version");
        m.interval_ms = r.number<std::uint32_t>("interval ms");
        return finish<heartbeat, decoded<event>>(r, m);
    }
    case 4: {
        probe m{epoch, seq, 0};
        m.session_id = r.number<std::uint64_t>("session id");
        return finish<probe, decoded<event>>(r, m);
    }
    case 5:
        return finish<shutdown, decoded<event>>(r, shutdown{epoch, seq});
    default: {
        stats m;
        m.epoch = epoch;
        m.seq = seq;
        m.uptime_ms = r.number<std::uint64_t>("uptime ms");
        m.online = r.number<std::uint32_t>("online");
        m.peak_online = r.number<std::uint32_t>("peak online");
        m.events_published = r.number<std::uint64_t>("events published");
        m.lines_in = r.number<std::uint64_t>("lines in");
        m.bytes_in = r.number<std::uint64_t>("bytes in");
        m.bytes_out = r.number<std::uint64_t>("bytes out");
        m.expired = r.number<std::uint64_t>("expired");
        m.evicted = r.number<std::uint64_t>("evicted");
        m.lagging = r.number<std::uint32_t>("lagging");
        m.rejected = r.rejected_counts();
        return finish<stats, decoded<event>>(r, std::move(m));
    }
    }
}

std::optional<event_header> decode_event_header(std::span<const std::string_view> frames,
                                                std::size_t text_bytes) {
    static_assert(event_shapes.size() == std::variant_size_v<event>,
                  "one event shape for each kind of event");
    // topic, signature, word, epoch, seq, fields...
    constexpr std::size_t first_field = 5;
    if (frames.size() < first_field || !is_our_header(frames[1]))
        return std::nullopt;
    const auto kind = find_shape(event_shapes, frames[2]);
    if (!kind || !event_shapes[*kind].fits(frames.size() - 3) || frames[3].size() != 8 ||
        frames[4].size() != 8)
        return std::nullopt;
    event_header h{static_cast<event_kind>(*kind),
                   from_be<std::uint64_t>(frames[3]),
                   from_be<std::uint64_t>(frames[4]),
                   {}};
    // LINE: sender, session id, message id, text.
    if (h.kind == event_kind::line)
        h.text_head = frames[first_field + 3].substr(0, text_bytes);
    return h;
}

std::vector<std::string_view> views(const frame_list& frames) {
    return {frames.begin(), frames.end()};
}

} // namespace zchat::proto
