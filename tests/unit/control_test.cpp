#include "control/command.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "common/text.h"
#include "control/command_json.h"
#include "control/control_service.h"
#include "control/line_splitter.h"
#include "control/rate_limiter.h"
#include "control/replies.h"
#include "control/schedule_check.h"
#include "control/select_overlay.h"
#include "http/auth.h"
#include "http/routes.h"
#include "pipeline/pipeline_file.h"

using namespace onair::app;

namespace {

// The status and message of the ControlError `f` throws; {0, ""} when none.
template <typename F>
std::pair<int, std::string> refusal(F f) {
  try {
    f();
  } catch (const ControlError &e) {
    return {e.status(), e.what()};
  }
  return {0, ""};
}

std::pair<int, std::string> line_refusal(const std::string &line) {
  return refusal([&] { parse_command_line(line); });
}

std::pair<int, std::string> body_refusal(CommandKind kind, const std::string &body) {
  return refusal([&] { parse_command_body(kind, body, false); });
}

std::string chat_line(const std::string &user, const std::string &text) {
  return R"({"cmd":"chat","user":")" + user + R"(","text":")" + text + R"("})";
}

std::string repeat(const std::string &s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; i++) out += s;
  return out;
}

const std::pair<int, std::string> kAccepted{0, ""};

}  // namespace

TEST(Control, ParsesEveryKindFromLines) {
  ControlCommand c = parse_command_line(
      R"({"cmd":"chat","user":"bot","text":"héllo 👋","color":"#f80","overlay":"ov"})");
  EXPECT_EQ(c.kind, CommandKind::kChat);
  EXPECT_EQ(c.user, "bot");
  EXPECT_EQ(c.text, "héllo 👋");
  EXPECT_EQ(c.color, "#f80");
  EXPECT_EQ(c.overlay, "ov");

  c = parse_command_line(
      R"({"cmd":"alert","text":"New follower","type":"success","duration":2.5})");
  EXPECT_EQ(c.kind, CommandKind::kAlert);
  EXPECT_EQ(c.text, "New follower");
  EXPECT_EQ(c.alert_type, "success");
  EXPECT_DOUBLE_EQ(c.duration, 2.5);
  EXPECT_EQ(c.overlay, "");

  c = parse_command_line(R"({"cmd":"alert","text":"x"})");
  EXPECT_EQ(c.alert_type, "info");
  EXPECT_DOUBLE_EQ(c.duration, 0);
  c = parse_command_line(R"({"cmd":"alert","text":"x","duration":60})");
  EXPECT_DOUBLE_EQ(c.duration, 60);

  c = parse_command_line(R"({"cmd":"status","text":""})");
  EXPECT_EQ(c.kind, CommandKind::kStatus);
  EXPECT_EQ(c.text, "");

  c = parse_command_line(
      R"({"cmd":"logo","location":"/srv/logo.png","position":"top-left","scale":0,"opacity":1})");
  EXPECT_EQ(c.kind, CommandKind::kLogo);
  EXPECT_EQ(c.location, std::optional<std::string>("/srv/logo.png"));
  EXPECT_EQ(c.position, std::optional<std::string>("top-left"));
  EXPECT_EQ(c.scale, std::optional<double>(0));
  EXPECT_EQ(c.opacity, std::optional<double>(1));
  c = parse_command_line(R"({"cmd":"logo","location":""})");
  EXPECT_EQ(c.location, std::optional<std::string>(""));
  EXPECT_FALSE(c.position || c.scale || c.opacity);

  EXPECT_EQ(parse_command_line(R"({"cmd":"clear-chat"})").kind, CommandKind::kClearChat);
  EXPECT_EQ(parse_command_line(R"( {"cmd":"clear-alerts","overlay":"b"} )").overlay, "b");
}

TEST(Control, ReconnectNamesAnOutputOrNone) {
  ControlCommand c = parse_command_line(R"({"cmd":"reconnect","output":"youtube"})");
  EXPECT_EQ(c.kind, CommandKind::kReconnect);
  EXPECT_EQ(c.output, "youtube");
  EXPECT_EQ(parse_command_line(R"({"cmd":"reconnect"})").output, "");
  EXPECT_EQ(parse_command_body(CommandKind::kReconnect, "", true).kind, CommandKind::kReconnect);
  // Outputs are not overlays: "overlay" is an unknown field here.
  EXPECT_EQ(line_refusal(R"({"cmd":"reconnect","overlay":"x"})"),
            (std::pair<int, std::string>{
                400, "unknown field \"overlay\" for reconnect (it takes: output)"}));
  EXPECT_EQ(line_refusal(R"({"cmd":"reconnect","output":7})").first, 400);
}

TEST(Control, PreviewCommandsNameAPort) {
  ControlCommand c = parse_command_line(R"({"cmd":"preview-start","port":"0.1"})");
  EXPECT_EQ(c.kind, CommandKind::kPreviewStart);
  EXPECT_EQ(c.port, "0.1");
  EXPECT_EQ(parse_command_line(R"({"cmd":"preview-stop","port":"1.0"})").kind,
            CommandKind::kPreviewStop);
  EXPECT_EQ(parse_command_line(R"({"cmd":"previews"})").kind, CommandKind::kPreviews);
  EXPECT_TRUE(is_preview_command(CommandKind::kPreviews));
  EXPECT_FALSE(is_preview_command(CommandKind::kSay));
  EXPECT_EQ(line_refusal(R"({"cmd":"preview-start"})"),
            (std::pair<int, std::string>{400, "missing \"port\""}));
  EXPECT_EQ(line_refusal(R"({"cmd":"preview-stop","port":""})").first, 400);
  EXPECT_EQ(line_refusal(R"({"cmd":"preview-stop","port":")" + repeat("1", 33) + R"("})").first,
            400);
  EXPECT_EQ(line_refusal(R"({"cmd":"previews","port":"0.1"})").first, 400);
}

TEST(Control, HttpBodiesTakeTheKindFromTheEndpoint) {
  ControlCommand c = parse_command_body(CommandKind::kChat, R"({"user":"u","text":"t"})", false);
  EXPECT_EQ(c.kind, CommandKind::kChat);
  EXPECT_EQ(parse_command_body(CommandKind::kClearChat, "", true).kind, CommandKind::kClearChat);
  EXPECT_EQ(parse_command_body(CommandKind::kClearAlerts, " \r\n", true).kind,
            CommandKind::kClearAlerts);
  EXPECT_EQ(parse_command_body(CommandKind::kClearChat, R"({"overlay":"x"})", true).overlay, "x");
  EXPECT_EQ(body_refusal(CommandKind::kChat, ""),
            (std::pair<int, std::string>{400, "empty command: expected a JSON object"}));
  EXPECT_EQ(body_refusal(CommandKind::kChat, R"({"cmd":"chat","user":"u","text":"t"})"),
            (std::pair<int, std::string>{
                400, "unknown field \"cmd\" for chat (it takes: user, text, color, overlay)"}));
}

TEST(Control, RefusesMalformedJson) {
  EXPECT_EQ(line_refusal("{").first, 400);
  EXPECT_EQ(line_refusal(R"({"cmd":"chat",})").first, 400);
  EXPECT_EQ(line_refusal(R"({"cmd":"chat" "user":"x"})").first, 400);
  EXPECT_EQ(line_refusal(R"({"cmd":'chat'})").first, 400);
  EXPECT_NE(line_refusal("{").second.find("invalid JSON"), std::string::npos);
  EXPECT_EQ(line_refusal("[1,2]"),
            (std::pair<int, std::string>{400, "expected a JSON object ({...})"}));
  EXPECT_EQ(line_refusal("\"chat\""),
            (std::pair<int, std::string>{400, "expected a JSON object ({...})"}));
  EXPECT_EQ(line_refusal("var x = {\"cmd\":\"clear-chat\"}"),
            (std::pair<int, std::string>{400, "expected a JSON object ({...})"}));
  EXPECT_EQ(
      line_refusal(R"({"cmd":"clear-chat"} {"cmd":"clear-chat"})"),
      (std::pair<int, std::string>{400, "more than one JSON value: one command is one object"}));
  EXPECT_EQ(line_refusal(R"({"cmd":"clear-chat"}])").first, 400);
  EXPECT_EQ(line_refusal(R"({"cmd":"clear-chat"} )"), kAccepted);
  EXPECT_EQ(line_refusal(repeat("{\"a\":", 9) + "1" + repeat("}", 9)),
            (std::pair<int, std::string>{400, "command is nested too deeply"}));
  EXPECT_EQ(line_refusal(R"({"cmd":"clear-chat","a":[[[[[[[[[]]]]]]]]]})"),
            (std::pair<int, std::string>{400, "command is nested too deeply"}));
}

TEST(Control, RefusesInvalidUtf8) {
  for (const std::string bad : {"\xff", "\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80"}) {
    EXPECT_EQ(line_refusal(chat_line("u", "a" + bad + "b")),
              (std::pair<int, std::string>{400, "command is not valid UTF-8"}))
        << bad;
  }
  // JSON escapes that do not make a character.
  EXPECT_EQ(line_refusal(chat_line("u", "\\ud83d")),
            (std::pair<int, std::string>{400, "command holds half of a UTF-16 surrogate pair"}));
  EXPECT_EQ(line_refusal(chat_line("u", "\\ude00x")).first, 400);
  EXPECT_EQ(line_refusal(chat_line("u", "\\ud83d\\u0041")).first, 400);
  EXPECT_EQ(parse_command_line(chat_line("u", "\\ud83d\\ude00")).text, "😀");
  EXPECT_EQ(parse_command_line(chat_line("u", "caf\\u00e9 \\\"q\\\" \\\\ \\/")).text,
            "café \"q\" \\ /");
}

TEST(Control, RefusesControlCharacters) {
  const std::pair<int, std::string> control{
      400, "command contains control characters (line breaks and tabs included)"};
  for (const std::string c :
       {"\\n", "\\r", "\\t", "\\b", "\\f", "\\u0000", "\\u001f", "\\u007f", "\\u0085", "\\u009F"})
    EXPECT_EQ(line_refusal(chat_line("u", "a" + c + "b")), control) << c;
  // Raw bytes inside strings, anywhere.
  EXPECT_EQ(line_refusal(chat_line("u", std::string("a\tb"))), control);
  EXPECT_EQ(line_refusal(chat_line(std::string("u\x01"), "t")), control);
  EXPECT_EQ(line_refusal(std::string("{\"cmd\":\x00\"clear-chat\"}", 21)), control);
  EXPECT_EQ(line_refusal(std::string("{\"cmd\":\"clear-chat\"}\x00", 21)).first, 400);
  // A raw C1 character (U+0085 as UTF-8) and DEL are found in the decoded value.
  EXPECT_EQ(line_refusal(chat_line("u",
                                   "a\xc2\x85"
                                   "b")),
            (std::pair<int, std::string>{
                400, "\"text\" contains control characters (line breaks and tabs included)"}));
  EXPECT_EQ(line_refusal(chat_line("u\x7f", "b")).first, 400);
  EXPECT_EQ(line_refusal(R"({"cmd":"status","text":"a)"
                         "\xc2\x9f"
                         R"("})")
                .first,
            400);
  // Whitespace between tokens is fine.
  EXPECT_EQ(parse_command_line("{\r\n\t\"cmd\" : \"clear-chat\"\n}").kind, CommandKind::kClearChat);
  // Other scripts, emoji and U+00A0 are not control characters.
  EXPECT_EQ(parse_command_line(chat_line("ユーザー", "Привет\xc2\xa0мир 🎉")).user, "ユーザー");
}

TEST(Control, Limits) {
  const std::string e = "\xc3\xa9";  // é: two bytes, one character
  EXPECT_EQ(parse_command_line(chat_line(repeat(e, 64), "t")).user, repeat(e, 64));
  EXPECT_EQ(line_refusal(chat_line(repeat(e, 65), "t")),
            (std::pair<int, std::string>{400, "\"user\" is longer than 64 characters"}));
  EXPECT_EQ(parse_command_line(chat_line("u", repeat(e, 500))).text.size(), 1000u);
  EXPECT_EQ(line_refusal(chat_line("u", repeat("x", 501))),
            (std::pair<int, std::string>{400, "\"text\" is longer than 500 characters"}));
  EXPECT_EQ(line_refusal(R"({"cmd":"alert","text":")" + repeat("x", 201) + "\"}"),
            (std::pair<int, std::string>{400, "\"text\" is longer than 200 characters"}));
  EXPECT_EQ(line_refusal(R"({"cmd":"alert","text":")" + repeat("x", 200) + "\"}"), kAccepted);
  EXPECT_EQ(line_refusal(R"({"cmd":"status","text":")" + repeat("x", 201) + "\"}"),
            (std::pair<int, std::string>{400, "\"text\" is longer than 200 characters"}));
  EXPECT_EQ(line_refusal(R"({"cmd":"status","text":")" + repeat("x", 200) + "\"}"), kAccepted);
  EXPECT_EQ(line_refusal(R"({"cmd":"logo","location":"/)" + repeat("x", 4096) + "\"}"),
            (std::pair<int, std::string>{400, "\"location\" is longer than 4096 bytes"}));
  EXPECT_EQ(line_refusal(R"({"cmd":"clear-chat","overlay":")" + repeat("x", 257) + "\"}"),
            (std::pair<int, std::string>{400, "\"overlay\" is longer than 256 bytes"}));

  // The whole command: 16 KiB.
  std::string padded = R"({"cmd":"clear-chat","overlay":"x"})";
  padded.insert(1, std::string(kMaxCommandBytes - padded.size(), ' '));
  ASSERT_EQ(padded.size(), kMaxCommandBytes);
  EXPECT_EQ(line_refusal(padded), kAccepted);
  EXPECT_EQ(line_refusal(" " + padded),
            (std::pair<int, std::string>{413, "command is larger than 16 KiB"}));
}

TEST(Control, RefusesMissingWrongAndUnknownFields) {
  using R = std::pair<int, std::string>;
  EXPECT_EQ(line_refusal(R"({"user":"u","text":"t"})"),
            (R{400,
               "missing \"cmd\" (one of: chat, alert, status, logo, clear-chat, clear-alerts, "
               "reconnect, capture, say, play, speech-skip, speech-clear, preview-start, "
               "preview-stop, previews)"}));
  EXPECT_EQ(line_refusal(R"({"cmd":"dance"})"),
            (R{400,
               "unknown \"cmd\" \"dance\" (one of: chat, alert, status, logo, clear-chat, "
               "clear-alerts, reconnect, capture, say, play, speech-skip, speech-clear, "
               "preview-start, preview-stop, previews)"}));
  EXPECT_EQ(line_refusal(R"({"cmd":1})"), (R{400, "\"cmd\" must be a string"}));
  EXPECT_EQ(line_refusal(R"({"cmd":"chat","text":"t"})"), (R{400, "missing \"user\""}));
  EXPECT_EQ(line_refusal(R"({"cmd":"chat","user":"u"})"), (R{400, "missing \"text\""}));
  EXPECT_EQ(line_refusal(R"({"cmd":"chat","user":"","text":"t"})"), (R{400, "\"user\" is empty"}));
  EXPECT_EQ(line_refusal(R"({"cmd":"chat","user":"u","text":""})"), (R{400, "\"text\" is empty"}));
  EXPECT_EQ(line_refusal(R"({"cmd":"alert"})"), (R{400, "missing \"text\""}));
  EXPECT_EQ(line_refusal(R"({"cmd":"status"})"), (R{400, "missing \"text\""}));
  EXPECT_EQ(line_refusal(R"({"cmd":"chat","user":5,"text":"t"})"),
            (R{400, "\"user\" must be a string"}));
  EXPECT_EQ(line_refusal(R"({"cmd":"chat","user":"u","text":null})"),
            (R{400, "\"text\" must be a string"}));
  EXPECT_EQ(line_refusal(R"({"cmd":"chat","user":"u","text":["t"]})"),
            (R{400, "\"text\" must be a string"}));
  EXPECT_EQ(line_refusal(R"({"cmd":"chat","user":"u","text":{"a":1}})"),
            (R{400, "\"text\" must be a string"}));
  EXPECT_EQ(line_refusal(R"({"cmd":"status","text":true})"), (R{400, "\"text\" must be a string"}));
  EXPECT_EQ(line_refusal(R"({"cmd":"alert","text":"t","duration":"5"})"),
            (R{400, "\"duration\" must be a number"}));
  EXPECT_EQ(line_refusal(R"({"cmd":"clear-chat","overlay":7})"),
            (R{400, "\"overlay\" must be a string"}));
  EXPECT_EQ(line_refusal(R"({"cmd":"chat","user":"u","text":"t","colour":"red"})"),
            (R{400, "unknown field \"colour\" for chat (it takes: user, text, color, overlay)"}));
  EXPECT_EQ(line_refusal(R"({"cmd":"clear-chat","text":"x"})"),
            (R{400, "unknown field \"text\" for clear-chat (it takes: overlay)"}));
  EXPECT_EQ(line_refusal(R"({"cmd":"status","text":"x","type":"info"})"),
            (R{400, "unknown field \"type\" for status (it takes: text, overlay)"}));
  // A field name is shown safely.
  EXPECT_EQ(line_refusal(R"({"cmd":"clear-chat","\u00e9\u00e9":1})"),
            (R{400, "unknown field \"éé\" for clear-chat (it takes: overlay)"}));
}

TEST(Control, ChecksValues) {
  using R = std::pair<int, std::string>;
  EXPECT_EQ(line_refusal(R"({"cmd":"alert","text":"t","type":"fatal"})"),
            (R{400, "\"type\" must be one of: info, success, warning, error"}));
  for (const char *d : {"-1", "60.001", "1e999", "-0.5"})
    EXPECT_EQ(line_refusal(std::string(R"({"cmd":"alert","text":"t","duration":)") + d + "}"),
              (R{400, "\"duration\" must be from 0 to 60"}))
        << d;
  EXPECT_EQ(line_refusal(R"({"cmd":"logo"})"),
            (R{400, "logo needs at least one of: location, position, scale, opacity"}));
  EXPECT_EQ(line_refusal(R"({"cmd":"logo","position":"middle"})"),
            (R{400,
               "\"position\" must be one of: top-left, top-center, top-right, center-left, "
               "center, center-right, bottom-left, bottom-center, bottom-right"}));
  EXPECT_EQ(line_refusal(R"({"cmd":"logo","scale":1.5})"),
            (R{400, "\"scale\" must be from 0 to 1"}));
  EXPECT_EQ(line_refusal(R"({"cmd":"logo","opacity":-0.1})"),
            (R{400, "\"opacity\" must be from 0 to 1"}));
  for (const char *color : {"#fff", "#A0b1C2", "red", "Fuchsia", ""})
    EXPECT_EQ(line_refusal(std::string(R"({"cmd":"chat","user":"u","text":"t","color":")") + color +
                           "\"}"),
              kAccepted)
        << color;
  for (const char *color : {"#ff", "#ggg", "#12345", "rgb(1,2,3)", "red;", "#fff0"})
    EXPECT_EQ(line_refusal(std::string(R"({"cmd":"chat","user":"u","text":"t","color":")") + color +
                           "\"}"),
              (R{400, "\"color\" must be \"#RGB\", \"#RRGGBB\" or a colour name such as \"red\""}))
        << color;
}

TEST(Control, FieldsFromThePlainSide) {
  // command_from_fields is what the JSON layer feeds; duplicates cannot come
  // through json-glib but are refused here all the same.
  JsonFields fields = {{"user", JsonValue::of(std::string("u"))},
                       {"text", JsonValue::of(std::string("t"))},
                       {"text", JsonValue::of(std::string("again"))}};
  EXPECT_EQ(refusal([&] { command_from_fields(fields, CommandKind::kChat); }),
            (std::pair<int, std::string>{400, "field \"text\" is given twice"}));
  fields.pop_back();
  EXPECT_EQ(command_from_fields(fields, CommandKind::kChat).text, "t");
  JsonFields alert = {{"text", JsonValue::of(std::string("t"))},
                      {"duration", JsonValue::of(std::nan(""))}};
  EXPECT_EQ(refusal([&] { command_from_fields(alert, CommandKind::kAlert); }).first, 400);
}

TEST(Control, CodePointsAndControls) {
  EXPECT_EQ(code_points(""), 0u);
  EXPECT_EQ(code_points("abc"), 3u);
  EXPECT_EQ(code_points("h\xc3\xa9llo \xf0\x9f\x91\x8b"), 7u);
  EXPECT_FALSE(has_control_code_points("plain \xc2\xa0 text \xe2\x80\x8b"));
  EXPECT_TRUE(has_control_code_points("a\nb"));
  EXPECT_TRUE(has_control_code_points("a\x7f"));
  EXPECT_TRUE(has_control_code_points("a\xc2\x80"));
  EXPECT_TRUE(has_control_code_points("a\xc2\x9f"));
  EXPECT_TRUE(has_control_code_points(std::string("a\0b", 3)));
}

TEST(Control, SelectsTheOverlay) {
  using R = std::pair<int, std::string>;
  EXPECT_EQ(select_overlay({"only"}, ""), "only");
  EXPECT_EQ(select_overlay({"a", "b"}, "b"), "b");
  EXPECT_EQ(refusal([] { select_overlay({}, ""); }),
            (R{404, "the pipeline has no broadcastoverlay element"}));
  EXPECT_EQ(refusal([] { select_overlay({}, "x"); }),
            (R{404, "the pipeline has no broadcastoverlay element"}));
  EXPECT_EQ(refusal([] {
              select_overlay({"b", "a"}, "");
            }),
            (R{409, "the pipeline has 2 overlays (a, b): name one with \"overlay\""}));
  EXPECT_EQ(refusal([] {
              select_overlay({"a", "b"}, "c");
            }),
            (R{404, "no overlay named \"c\" (the pipeline has: a, b)"}));
}

TEST(Control, BearerTokens) {
  EXPECT_EQ(bearer_token(nullptr), std::nullopt);
  EXPECT_EQ(bearer_token(""), std::nullopt);
  EXPECT_EQ(bearer_token("Bearer"), std::nullopt);
  EXPECT_EQ(bearer_token("Bearer "), std::nullopt);
  EXPECT_EQ(bearer_token("Basic dXNlcjpwYXNz"), std::nullopt);
  EXPECT_EQ(bearer_token("Bearerabc"), std::nullopt);
  EXPECT_EQ(bearer_token("Bearer abc123"), std::optional<std::string>("abc123"));
  EXPECT_EQ(bearer_token("  bearer \t abc123  "), std::optional<std::string>("abc123"));
  EXPECT_EQ(bearer_token("BEARER x"), std::optional<std::string>("x"));

  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_FALSE(constant_time_equal("abcd", "abc"));
  EXPECT_FALSE(constant_time_equal("", "a"));
  EXPECT_FALSE(constant_time_equal(std::string("a\0", 2), "a"));
}

TEST(Control, RateLimiterIsATokenBucket) {
  RateLimiter r(20, 40);
  const double t0 = 1000;
  for (int i = 0; i < 40; i++) EXPECT_TRUE(r.allow(t0)) << i;
  EXPECT_FALSE(r.allow(t0));
  EXPECT_NEAR(r.wait_time(t0), 0.05, 1e-9);
  EXPECT_FALSE(r.allow(t0 + 0.04));
  EXPECT_TRUE(r.allow(t0 + 0.0501));
  EXPECT_FALSE(r.allow(t0 + 0.0502));
  // One second gives 20 more, and no more than that.
  int allowed = 0;
  for (int i = 0; i < 100; i++) allowed += r.allow(t0 + 1.06);
  EXPECT_EQ(allowed, 20);
  // A long pause fills the bucket up to the burst only.
  allowed = 0;
  for (int i = 0; i < 100; i++) allowed += r.allow(t0 + 3600);
  EXPECT_EQ(allowed, 40);
  // A clock that goes back gives nothing.
  EXPECT_FALSE(r.allow(t0));
  EXPECT_DOUBLE_EQ(RateLimiter().wait_time(0), 0);
  // Steady 20 a second is always allowed.
  RateLimiter steady(20, 40);
  for (int i = 0; i < 1000; i++) EXPECT_TRUE(steady.allow(i * 0.05)) << i;
}

TEST(Control, LineSplitter) {
  using Item = LineSplitter::Item;
  const auto lines = [](const std::vector<Item> &items) {
    std::vector<std::string> out;
    for (const Item &i : items) out.push_back(i.too_long ? "<too long>" : i.line);
    return out;
  };
  LineSplitter s(10);
  EXPECT_EQ(lines(s.feed("ab")), std::vector<std::string>{});
  EXPECT_EQ(s.pending(), 2u);
  EXPECT_EQ(lines(s.feed("c\nde\r\n\nf")), (std::vector<std::string>{"abc", "de", ""}));
  EXPECT_EQ(lines(s.feed("\n")), (std::vector<std::string>{"f"}));
  EXPECT_EQ(lines(s.feed("0123456789\n")), (std::vector<std::string>{"0123456789"}));
  // One byte over: reported once, skipped to the next newline, then normal again.
  EXPECT_EQ(lines(s.feed("0123456789A")), (std::vector<std::string>{"<too long>"}));
  EXPECT_EQ(lines(s.feed(std::string(100000, 'x'))), std::vector<std::string>{});
  EXPECT_EQ(s.pending(), 0u);
  EXPECT_EQ(lines(s.feed("yyy\nok\n")), (std::vector<std::string>{"ok"}));
  // Too long within one chunk, with its newline there.
  EXPECT_EQ(lines(s.feed("012345678901234\nnext\n")),
            (std::vector<std::string>{"<too long>", "next"}));
  // Growing over the limit across chunks.
  EXPECT_EQ(lines(s.feed("01234")), std::vector<std::string>{});
  EXPECT_EQ(lines(s.feed("567890\nz\n")), (std::vector<std::string>{"<too long>", "z"}));
}

TEST(Control, Routes) {
  ApiRoute r = control_route("/api/overlay/chat", "POST");
  EXPECT_TRUE(r.found && r.allowed);
  EXPECT_EQ(r.kind, CommandKind::kChat);
  EXPECT_EQ(r.allow, "POST, DELETE");
  EXPECT_FALSE(r.empty_body_ok);
  r = control_route("/api/overlay/chat", "DELETE");
  EXPECT_EQ(r.kind, CommandKind::kClearChat);
  EXPECT_TRUE(r.empty_body_ok);
  r = control_route("/api/overlay/chat", "GET");
  EXPECT_TRUE(r.found);
  EXPECT_FALSE(r.allowed);
  EXPECT_EQ(control_route("/api/overlay/alert", "POST").kind, CommandKind::kAlert);
  EXPECT_EQ(control_route("/api/overlay/alert", "DELETE").kind, CommandKind::kClearAlerts);
  EXPECT_EQ(control_route("/api/overlay/status", "PUT").kind, CommandKind::kStatus);
  EXPECT_FALSE(control_route("/api/overlay/status", "POST").allowed);
  EXPECT_EQ(control_route("/api/overlay/status", "POST").allow, "PUT");
  EXPECT_EQ(control_route("/api/overlay/logo", "PUT").kind, CommandKind::kLogo);
  r = control_route("/api/overlay", "GET");
  EXPECT_TRUE(r.found && r.allowed && r.list);
  EXPECT_TRUE(control_route("/api/overlay", "HEAD").list);
  r = control_route("/api/overlay", "POST");
  EXPECT_TRUE(r.found && !r.allowed && !r.list);
  EXPECT_EQ(r.allow, "GET, HEAD");
  EXPECT_FALSE(control_route("/api/overlay/nothing", "GET").found);
  r = control_route("/api/outputs/reconnect", "POST");
  EXPECT_TRUE(r.found && r.allowed && r.empty_body_ok);
  EXPECT_EQ(r.kind, CommandKind::kReconnect);
  r = control_route("/api/outputs/reconnect", "GET");
  EXPECT_TRUE(r.found && !r.allowed);
  EXPECT_EQ(r.allow, "POST");
  EXPECT_FALSE(control_route("/api/outputs", "GET").found);
  EXPECT_TRUE(is_control_path("/api/outputs/reconnect"));
  EXPECT_TRUE(is_control_path("/api/overlay"));
  EXPECT_FALSE(is_control_path("/api/status"));
  EXPECT_FALSE(is_control_path("/api/outputsx"));
  EXPECT_FALSE(control_route("/api/overlay/chat/", "POST").found);
  r = control_route("/api/capture", "POST");
  EXPECT_TRUE(r.found && r.allowed && r.empty_body_ok);
  EXPECT_EQ(r.kind, CommandKind::kCapture);
  EXPECT_EQ(control_route("/api/capture", "GET").allow, "POST");
}

TEST(Control, SessionsRoutes) {
  using Action = SessionsRoute::Action;
  EXPECT_EQ(sessions_route("/api/sessions", "GET").action, Action::kList);
  EXPECT_EQ(sessions_route("/api/sessions", "DELETE").action, Action::kNone);
  EXPECT_EQ(sessions_route("/api/sessions", "DELETE").allow, "GET, HEAD");
  SessionsRoute r = sessions_route("/api/sessions/20261204_153000", "GET");
  EXPECT_EQ(r.action, Action::kShow);
  EXPECT_EQ(r.session, "20261204_153000");
  EXPECT_FALSE(r.needs_token);
  r = sessions_route("/api/sessions/20261204_153000", "DELETE");
  EXPECT_EQ(r.action, Action::kDelete);
  EXPECT_TRUE(r.needs_token);
  r = sessions_route("/api/sessions/20261204_153000/frames/F0001/sent", "POST");
  EXPECT_EQ(r.action, Action::kMarkSent);
  EXPECT_EQ(r.snapshot, "F0001");
  EXPECT_TRUE(r.needs_token);
  r = sessions_route("/api/sessions/20261204_153000/frames/F0001/sent", "GET");
  EXPECT_TRUE(r.found);
  EXPECT_EQ(r.action, Action::kNone);
  EXPECT_EQ(r.allow, "POST");
  EXPECT_FALSE(sessions_route("/api/sessions/a/b", "GET").found);
  EXPECT_FALSE(sessions_route("/api/sessions/a/frames/F1/sent/x", "POST").found);
  EXPECT_EQ(sessions_route("/api/events", "GET").action, Action::kEvents);
  EXPECT_EQ(sessions_route("/api/events", "POST").action, Action::kNone);
  EXPECT_TRUE(is_sessions_path("/api/sessions/x"));
  EXPECT_TRUE(is_sessions_path("/api/events"));
  EXPECT_FALSE(is_sessions_path("/api/sessionsx"));
  EXPECT_FALSE(is_control_path("/api/sessions"));
}

TEST(Control, Capture) {
  EXPECT_EQ(parse_command_line(R"({"cmd":"capture"})").kind, CommandKind::kCapture);
  EXPECT_EQ(parse_command_line(R"({"cmd":"capture","detector":"cam"})").detector, "cam");
  EXPECT_EQ(line_refusal(R"({"cmd":"capture","overlay":"x"})"),
            (std::pair<int, std::string>{
                400, "unknown field \"overlay\" for capture (it takes: detector)"}));
  EXPECT_EQ(parse_command_body(CommandKind::kCapture, "", true).detector, "");
  ControlService service(
      [](const ControlCommand &c) {
        return c.kind == CommandKind::kCapture ? std::string(R"("id":"F0007")") : std::string();
      },
      [] { return 0.0; });
  const ControlResult r = service.line(R"({"cmd":"capture"})");
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(line_reply(r.status, r.error, r.fields), R"({"ok":true,"id":"F0007"})");
  EXPECT_EQ(ok_json(R"("id":"F0001")"), R"({"ok":true,"id":"F0001"})");
}

TEST(Control, Replies) {
  EXPECT_EQ(ok_json(), R"({"ok":true})");
  EXPECT_EQ(error_json("bad \"x\"\n"), R"({"ok":false,"error":"bad \"x\"\u000a"})");
  EXPECT_EQ(line_reply(200, ""), R"({"ok":true})");
  EXPECT_EQ(line_reply(429, "slow"), R"({"ok":false,"status":429,"error":"slow"})");
  EXPECT_EQ(overlays_json({}), R"({"ok":true,"overlays":[]})");
  EXPECT_EQ(overlays_json({{"a", "LIVE"}, {"b", ""}}),
            R"({"ok":true,"overlays":[{"name":"a","status":"LIVE"},{"name":"b","status":""}]})");
}

TEST(Control, ServiceAppliesLimitsAndReportsRefusals) {
  double now = 10;
  std::vector<ControlCommand> applied;
  ControlService service(
      [&](const ControlCommand &c) -> std::string {
        if (c.overlay == "missing") throw ControlError(404, "no overlay named \"missing\"");
        if (c.overlay == "broken") throw std::runtime_error("secret detail");
        applied.push_back(c);
        return {};
      },
      [&] { return now; }, RateLimiter(20, 3));

  EXPECT_TRUE(service.line(R"({"cmd":"clear-chat"})").ok());
  ControlResult r = service.line(R"({"cmd":"clear-chat","overlay":"missing"})");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.error, "no overlay named \"missing\"");
  r = service.http(CommandKind::kStatus, R"({"text":"x","overlay":"broken"})", false);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.error, "internal error");
  // The bucket (3) is empty now: every channel is refused, scheduled commands are not.
  r = service.http(CommandKind::kChat, R"({"user":"u","text":"t"})", false);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.error, "too many commands: at most 20 a second, 3 at once");
  EXPECT_EQ(service.line(R"({"cmd":"clear-chat"})").status, 429);
  EXPECT_EQ(service.too_long().status, 429);
  EXPECT_TRUE(service.scheduled(R"({"cmd":"status","text":"sched"})").ok());
  EXPECT_EQ(applied.back().text, "sched");

  now += 1;
  r = service.too_long();
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.error, "line is longer than 16 KiB: skipped");
  bool answered = true;
  EXPECT_TRUE(service.line("  \r", &answered).ok());
  EXPECT_FALSE(answered);
  r = service.line("{nope", &answered);
  EXPECT_TRUE(answered);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(service.scheduled(R"({"cmd":"dance"})").status, 400);
  EXPECT_EQ(applied.size(), 2u);
}

TEST(Control, ServiceHidesSecretsInRefusals) {
  Redactor redact;
  redact.add("s3cr3t-token");
  ControlService service([](const ControlCommand &) { return std::string(); }, [] { return 0.0; },
                         RateLimiter(), &redact);
  const ControlResult r = service.line(R"({"cmd":"clear-chat","s3cr3t-token":1})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.error, "unknown field \"***\" for clear-chat (it takes: overlay)");
}

TEST(Control, ScheduledCommandsAreCheckedWithTheirLine) {
  const PipelineFile ok = parse_pipeline_file(
      "name: t\nat 1: {\"cmd\":\"chat\",\"user\":\"bot\",\"text\":\"hi ${x}\"}\n---\nx\n",
      "t.pipeline", "t");
  EXPECT_NO_THROW(check_scheduled_commands(ok));
  const PipelineFile bad = parse_pipeline_file(
      "name: t\n# comment\nat 1: {\"cmd\":\"status\",\"text\":\"ok\"}\n"
      "at 2 every 5: {\"cmd\":\"chat\",\"user\":\"bot\"}\n---\nx\n",
      "t.pipeline", "t");
  try {
    check_scheduled_commands(bad);
    FAIL() << "no error";
  } catch (const PipelineError &e) {
    EXPECT_STREQ(e.what(), "t.pipeline:4: scheduled command: missing \"text\"");
  }
}

TEST(Control, SpeechCommands) {
  ControlCommand c = parse_command_line(R"({"cmd":"say","text":"Hello there","voice":"en-us"})");
  EXPECT_EQ(c.kind, CommandKind::kSay);
  EXPECT_EQ(c.text, "Hello there");
  EXPECT_EQ(c.voice, "en-us");
  EXPECT_FALSE(c.interrupt);
  c = parse_command_body(CommandKind::kSay, R"({"text":"now","interrupt":true})", false);
  EXPECT_TRUE(c.interrupt);
  EXPECT_EQ(c.voice, "");
  c = parse_command_line(R"({"cmd":"play","path":"/srv/ding.wav","interrupt":false})");
  EXPECT_EQ(c.kind, CommandKind::kPlay);
  EXPECT_EQ(c.path, "/srv/ding.wav");
  EXPECT_EQ(parse_command_line(R"({"cmd":"speech-skip"})").kind, CommandKind::kSpeechSkip);
  EXPECT_EQ(parse_command_body(CommandKind::kSpeechClear, "", true).kind,
            CommandKind::kSpeechClear);
  EXPECT_TRUE(queues_speech(CommandKind::kSay) && queues_speech(CommandKind::kPlay));
  EXPECT_FALSE(queues_speech(CommandKind::kSpeechSkip) || queues_speech(CommandKind::kChat));
  EXPECT_TRUE(is_speech_command(CommandKind::kSpeechClear));
  EXPECT_FALSE(is_speech_command(CommandKind::kChat) || is_overlay_command(CommandKind::kSay));

  const auto bad = [](int status, const std::string &message) {
    return std::pair<int, std::string>{status, message};
  };
  EXPECT_EQ(line_refusal(R"({"cmd":"say"})"), bad(400, "missing \"text\""));
  EXPECT_EQ(line_refusal(R"({"cmd":"say","text":""})"), bad(400, "\"text\" is empty"));
  EXPECT_EQ(line_refusal(R"({"cmd":"say","text":"   "})"),
            bad(400, "\"text\" has nothing to say (only spaces)"));
  EXPECT_EQ(line_refusal(R"({"cmd":"say","text":")" + repeat("é", 501) + R"("})"),
            bad(400, "\"text\" is longer than 500 characters"));
  EXPECT_EQ(line_refusal(R"({"cmd":"say","text":"a\u0007"})").first, 400);
  EXPECT_EQ(line_refusal("{\"cmd\":\"say\",\"text\":\"caf\xe9\"}"),
            bad(400, "command is not valid UTF-8"));
  EXPECT_EQ(line_refusal(R"({"cmd":"say","text":"x","interrupt":1})"),
            bad(400, "\"interrupt\" must be true or false"));
  EXPECT_EQ(line_refusal(R"({"cmd":"say","text":"x","voice":")" + repeat("v", 65) + R"("})"),
            bad(400, "\"voice\" is longer than 64 characters"));
  EXPECT_EQ(line_refusal(R"({"cmd":"say","text":"x","overlay":"o"})"),
            bad(400, "unknown field \"overlay\" for say (it takes: text, voice, interrupt)"));
  EXPECT_EQ(line_refusal(R"({"cmd":"play"})"), bad(400, "missing \"path\""));
  EXPECT_EQ(line_refusal(R"({"cmd":"play","path":""})"), bad(400, "\"path\" is empty"));
  EXPECT_EQ(line_refusal(R"({"cmd":"play","path":")" + repeat("p", 4097) + R"("})"),
            bad(400, "\"path\" is longer than 4096 bytes"));
  EXPECT_EQ(line_refusal(R"({"cmd":"speech-skip","text":"x"})"),
            bad(400, "unknown field \"text\" for speech-skip (it takes: )"));
}

TEST(Control, SpeechRoutes) {
  ApiRoute r = control_route("/api/say", "POST");
  EXPECT_TRUE(r.found && r.allowed && !r.empty_body_ok);
  EXPECT_EQ(r.kind, CommandKind::kSay);
  EXPECT_EQ(control_route("/api/say", "GET").allow, "POST");
  EXPECT_EQ(control_route("/api/play", "POST").kind, CommandKind::kPlay);
  r = control_route("/api/speech/skip", "POST");
  EXPECT_TRUE(r.allowed && r.empty_body_ok);
  EXPECT_EQ(r.kind, CommandKind::kSpeechSkip);
  r = control_route("/api/speech", "DELETE");
  EXPECT_TRUE(r.allowed && r.empty_body_ok);
  EXPECT_EQ(r.kind, CommandKind::kSpeechClear);
  EXPECT_EQ(control_route("/api/speech", "POST").allow, "DELETE");
  EXPECT_FALSE(control_route("/api/speech/nothing", "POST").found);
  for (const char *path : {"/api/say", "/api/play", "/api/speech", "/api/speech/skip"})
    EXPECT_TRUE(is_control_path(path)) << path;
  EXPECT_FALSE(is_control_path("/api/sayx"));
}

TEST(Control, SpeechHasItsOwnRateLimit) {
  double now = 0;
  int applied = 0;
  ControlService service(
      [&](const ControlCommand &c) {
        if (c.path == "/refused.wav") throw ControlError(400, "refused");
        applied++;
        return std::string();
      },
      [&] { return now; }, RateLimiter(100, 100), nullptr, RateLimiter(1, 2));
  EXPECT_TRUE(service.line(R"({"cmd":"say","text":"one"})").ok());
  // An item the element refuses takes no speech token.
  EXPECT_EQ(service.line(R"({"cmd":"play","path":"/refused.wav"})").status, 400);
  EXPECT_TRUE(service.http(CommandKind::kPlay, R"({"path":"/a.wav"})", false).ok());
  ControlResult r = service.line(R"({"cmd":"say","text":"three"})");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.error, "too much speech: at most 1 a second, 2 at once");
  // Other commands, skipping and clearing go on; a refused command takes no speech token.
  EXPECT_TRUE(service.line(R"({"cmd":"speech-skip"})").ok());
  EXPECT_TRUE(service.line(R"({"cmd":"clear-chat"})").ok());
  EXPECT_EQ(service.line(R"({"cmd":"say","text":""})").status, 400);
  // Scheduled lines are not counted.
  EXPECT_TRUE(service.scheduled(R"({"cmd":"say","text":"scheduled"})").ok());
  now += 1;
  EXPECT_TRUE(service.line(R"({"cmd":"say","text":"later"})").ok());
  EXPECT_EQ(service.line(R"({"cmd":"say","text":"too soon"})").status, 429);
  EXPECT_EQ(applied, 6);
}
