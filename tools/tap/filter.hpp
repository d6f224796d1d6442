// Which topics the tap subscribes to and which of what arrives it shows.
//
// The tap subscribes its SUB socket to the --topic prefixes (everything when none is given) and
// always to the heartbeat topic, because its liveness check needs heartbeats even when they are
// not shown. What arrives is shown when its topic starts with a --topic prefix and with no
// --exclude prefix (and is not a heartbeat under --no-heartbeats). Pure: no socket here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace zchat::tap {

// Turns a --topic or --exclude argument into a topic prefix. The protocol's top-level words and
// event kinds are shorthands: "chat", "presence", "sys", "probe" gain their "/", so "chat" does
// not also select a future "chatter/"; "heartbeat", "stats", "shutdown" name their sys/ topic,
// "line" means "chat/" and "join" or "leave" "presence/". Anything else is a raw prefix.
std::string topic_prefix(std::string_view argument);

class filter {
public:
    // topics empty: every topic. Arguments are normalised with topic_prefix.
    filter(const std::vector<std::string>& topics, const std::vector<std::string>& excludes,
           bool hide_heartbeats);

    // The SUB subscriptions: the --topic prefixes (or "") plus the heartbeat topic, without
    // duplicates or prefixes already covered by a shorter one.
    std::vector<std::string> subscriptions() const;

    // Whether an event or frame under this topic is shown.
    bool shows(std::string_view topic) const;

    // Whether every event under `prefix` reaches the tap (an --exclude still receives, so only
    // --topic matters): e.g. receives_all("chat/") is false for --topic chat/lobby/.
    bool receives_all(std::string_view prefix) const;

private:
    std::vector<std::string> topics_;
    std::vector<std::string> excludes_;
};

} // namespace zchat::tap
