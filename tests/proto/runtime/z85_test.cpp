// CURVE keys' Z85 text through libzmq's codec: the round trip, and the texts that are not keys.
#include "proto/runtime/curve_keys.hpp"

#include <gtest/gtest.h>

#include <random>

namespace zchat::runtime {
namespace {

TEST(Z85Key, RoundTripsRandomKeys) {
    std::mt19937 random(32);
    for (int round = 0; round < 100; ++round) {
        std::string key(curve_key_bytes, '\0');
        for (char& c : key)
            c = static_cast<char>(random());
        const std::string text = z85_encode_key(key);
        EXPECT_EQ(text.size(), z85_key_chars);
        EXPECT_EQ(z85_decode_key(text), key);
        EXPECT_TRUE(is_z85_key(text));
    }
}

TEST(Z85Key, EncodesAsRfc32Says) {
    // RFC 32's example, "HelloWorld" for these 8 bytes, repeated to make 32.
    const std::string eight{"\x86\x4F\xD2\x6F\xB5\x59\xF7\x5B", 8};
    EXPECT_EQ(z85_encode_key(eight + eight + eight + eight),
              "HelloWorldHelloWorldHelloWorldHelloWorld");
}

TEST(Z85Key, IsFortyCharactersOfZ85) {
    const std::string key = z85_encode_key(std::string(curve_key_bytes, '\x42'));
    EXPECT_FALSE(is_z85_key(key.substr(5)));
    EXPECT_FALSE(is_z85_key(key + "HelloWorld"));
    EXPECT_FALSE(is_z85_key(key.substr(1) + " "));  // a space is not in the alphabet
    EXPECT_FALSE(is_z85_key(key.substr(1) + "\"")); // nor is '"'
    EXPECT_FALSE(is_z85_key(key.substr(1) + std::string(1, '\0')));
    EXPECT_FALSE(is_z85_key(key.substr(5) + "#####")); // 85^5 - 1 does not fit in 32 bits
    EXPECT_TRUE(is_z85_key(key.substr(5) + "%nSc0"));  // the largest group that does
}

} // namespace
} // namespace zchat::runtime
