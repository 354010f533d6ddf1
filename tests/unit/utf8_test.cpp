// The UTF-8 decoder that the app and the overlay and ASCII cores share.
#include <gtest/gtest.h>

#include <string>

#include "onair/utf8.h"

namespace utf8 = onair::utf8;

TEST(Utf8, DecodesOneToFourByteSequences) {
  const std::string text = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x8E\x89";  // a é € 🎉
  EXPECT_EQ(utf8::decode(text, 0).length, 1u);
  EXPECT_EQ(utf8::decode(text, 1).length, 2u);
  EXPECT_EQ(utf8::decode(text, 1).code_point, U'\u00E9');
  EXPECT_EQ(utf8::decode(text, 3).code_point, U'\u20AC');
  EXPECT_EQ(utf8::decode(text, 6).length, 4u);
  EXPECT_EQ(utf8::decode(text, 6).code_point, U'\U0001F389');
  EXPECT_TRUE(utf8::is_valid(text));
}

TEST(Utf8, RefusesWhatIsNotUtf8) {
  EXPECT_FALSE(utf8::is_valid("\x80"));              // stray continuation byte
  EXPECT_FALSE(utf8::is_valid("\xFF"));              // never a lead byte
  EXPECT_FALSE(utf8::is_valid("\xE2\x82"));          // cut short by the end
  EXPECT_FALSE(utf8::is_valid("\xC3\x28"));          // bad continuation byte
  EXPECT_FALSE(utf8::is_valid("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(utf8::is_valid("\xE0\x80\xAF"));      // overlong, three bytes
  EXPECT_FALSE(utf8::is_valid("\xED\xA0\x80"));      // surrogate U+D800
  EXPECT_FALSE(utf8::is_valid("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_EQ(utf8::decode("\xE2\x82", 0).length, 0u);
  EXPECT_TRUE(utf8::is_valid(""));
  EXPECT_TRUE(utf8::is_valid("\xEF\xBF\xBD"));  // a real U+FFFD
}

TEST(Utf8, ControlCharactersAreC0DelAndC1) {
  EXPECT_TRUE(utf8::is_control(U'\t'));
  EXPECT_TRUE(utf8::is_control(0x7F));
  EXPECT_TRUE(utf8::is_control(0x85));
  EXPECT_FALSE(utf8::is_control(U' '));
  EXPECT_FALSE(utf8::is_control(0xA0));
}

TEST(Utf8, AppendRoundTripsEveryLength) {
  for (char32_t cp : {U'A', U'\u00E9', U'\u20AC', U'\U0001F389', U'\U0010FFFF'}) {
    std::string out;
    utf8::append(out, cp);
    const utf8::Decoded d = utf8::decode(out, 0);
    EXPECT_EQ(d.length, out.size());
    EXPECT_EQ(d.code_point, cp);
  }
}
