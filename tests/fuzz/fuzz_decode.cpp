// Fuzz target: the protocol decoders, the validators and the terminal-safe printer.
// Properties checked: nothing crashes; whatever decodes re-encodes to frames that decode to the
// same value; the event headers agree with the events; printable() never lets a control byte
// through.
#include "proto/codec.hpp"
#include "proto/printable.hpp"
#include "proto/validate.hpp"
#include "tests/fuzz/frames.hpp"

#include <array>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

using namespace zchat;

void check(bool ok) {
    if (!ok)
        std::abort();
}

template <class T, class Decode>
void round_trip(const proto::decoded<T>& first, Decode decode) {
    const auto* value = std::get_if<T>(&first);
    if (!value)
        return;
    const proto::frame_list frames = proto::encode(*value);
    const auto v = proto::views(frames);
    const auto second = decode(std::span<const std::string_view>(v));
    check(std::holds_alternative<T>(second) && std::get<T>(second) == *value);
}

// Whatever decode_events accepts re-encodes, event by event under the same topic, to a message
// that decodes to the same events (a batch's body is its events' bodies back to back).
void events_round_trip(std::span<const std::string_view> frames) {
    const auto first = proto::decode_events(frames);
    const auto* events = std::get_if<std::vector<proto::event>>(&first);
    if (!events)
        return;
    std::string body = proto::encode(events->front()).back().substr(0, 6);
    for (const proto::event& e : *events)
        body += proto::encode(e).back().substr(6);
    const std::array<std::string_view, 2> again{frames[0], body};
    const auto second = proto::decode_events(again);
    check(std::holds_alternative<std::vector<proto::event>>(second) &&
          std::get<std::vector<proto::event>>(second) == *events);
}

// Whatever decode_events accepts has headers with the same kinds and epochs, a room's event's seq
// and room (none for a broker-wide event), and a LINE's text head is the start of its text; the
// header decode itself may see any input.
void headers_agree(std::span<const std::string_view> frames) {
    std::vector<proto::event_header> headers;
    for (const std::size_t text_bytes : {std::size_t{0}, std::size_t{8}, std::size_t{100000}}) {
        const bool read = proto::decode_event_headers(frames, text_bytes, headers);
        const auto decoded = proto::decode_events(frames);
        const auto* events = std::get_if<std::vector<proto::event>>(&decoded);
        if (!events)
            continue;
        check(read && headers.size() == events->size());
        for (std::size_t i = 0; i < events->size(); ++i) {
            const proto::event& event = (*events)[i];
            const proto::event_header& header = headers[i];
            check(header.kind == proto::event_kind_of(event));
            std::visit(
                [&](const auto& e) {
                    check(header.epoch == e.epoch);
                    if constexpr (requires { e.room; })
                        check(header.seq == e.seq && header.room == e.room);
                    else
                        check(header.seq == 0 && header.room.empty());
                },
                event);
            if (const auto* line = std::get_if<proto::line>(&event))
                check(header.text_head.size() <= text_bytes &&
                      std::string_view{line->text}.starts_with(header.text_head));
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto frames = fuzz::split_frames(data, size);
    round_trip<proto::command>(proto::decode_command(frames), proto::decode_command);
    round_trip<proto::reply>(proto::decode_reply(frames), proto::decode_reply);
    events_round_trip(frames);
    headers_agree(frames);
    for (const std::string_view f : frames) {
        (void)proto::check_name(f, proto::default_max_name_chars);
        (void)proto::check_text(f, proto::default_max_text_bytes);
        (void)proto::check_room(f);
        for (const char c : proto::printable(f)) {
            const auto byte = static_cast<unsigned char>(c);
            check(byte >= 0x20 && byte != 0x7F);
        }
    }
    return 0;
}
