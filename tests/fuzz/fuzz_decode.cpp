// Fuzz target: the protocol decoders, the validators and the terminal-safe printer.
// Properties checked: nothing crashes; whatever decodes re-encodes to frames that decode to the
// same value; printable() never lets a control byte through.
#include "proto/codec.hpp"
#include "proto/printable.hpp"
#include "proto/validate.hpp"
#include "tests/fuzz/frames.hpp"

#include <cstdlib>

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

// Whatever decode_event accepts has a header with the same kind, epoch and seq, and a LINE's
// text head is the start of its text; the header decode itself may see any input.
void header_agrees(std::span<const std::string_view> frames) {
    for (const std::size_t text_bytes : {std::size_t{0}, std::size_t{8}, std::size_t{100000}}) {
        const auto header = proto::decode_event_header(frames, text_bytes);
        const auto decoded = proto::decode_event(frames);
        const auto* event = std::get_if<proto::event>(&decoded);
        if (!event)
            continue;
        check(header.has_value());
        check(header->kind == proto::event_kind_of(*event));
        check(header->epoch == std::visit([](const auto& e) { return e.epoch; }, *event));
        check(header->seq == std::visit([](const auto& e) { return e.seq; }, *event));
        if (const auto* line = std::get_if<proto::line>(event))
            check(header->text_head.size() <= text_bytes &&
                  std::string_view{line->text}.starts_with(header->text_head));
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto frames = fuzz::split_frames(data, size);
    round_trip<proto::command>(proto::decode_command(frames), proto::decode_command);
    round_trip<proto::reply>(proto::decode_reply(frames), proto::decode_reply);
    round_trip<proto::event>(proto::decode_event(frames), proto::decode_event);
    header_agrees(frames);
    for (const std::string_view f : frames) {
        (void)proto::check_name(f, proto::default_max_name_chars);
        (void)proto::check_text(f, proto::default_max_text_bytes);
        for (const char c : proto::printable(f)) {
            const auto byte = static_cast<unsigned char>(c);
            check(byte >= 0x20 && byte != 0x7F);
        }
    }
    return 0;
}
