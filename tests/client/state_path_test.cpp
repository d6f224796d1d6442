// Where the input history is kept between runs: the XDG Base Directory rules.
#include "client/state_path.hpp"

#include <gtest/gtest.h>

namespace zchat::client {
namespace {

TEST(InputHistoryPath, IsUnderXdgStateHomeWhenThatIsAnAbsolutePath) {
    EXPECT_EQ(input_history_path("/var/state", "/home/alice"), "/var/state/zchat/history");
}

TEST(InputHistoryPath, IsUnderTheHomeDirectoryOtherwise) {
    for (const char* ignored : {static_cast<const char*>(nullptr), "", "relative/state"})
        EXPECT_EQ(input_history_path(ignored, "/home/alice"),
                  "/home/alice/.local/state/zchat/history");
}

TEST(InputHistoryPath, IsNowhereWithoutEither) {
    EXPECT_EQ(input_history_path(nullptr, nullptr), std::nullopt);
    EXPECT_EQ(input_history_path("", "relative"), std::nullopt);
}

} // namespace
} // namespace zchat::client
