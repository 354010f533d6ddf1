#include "pipeline/pipeline_file.h"

#include "pipeline/expansion.h"
#include "pipeline/launch_errors.h"
#include "pipeline/values.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

using namespace onair::app;

namespace {

const char kGood[] = R"(# a comment
name: sample
description: A sample pipeline
var pattern: default=ball allowed=ball,smpte help="Picture pattern"
var width: type=int default=640 min=16 max=4096
var gain: type=number default=1.5 min=0 max=10
var title: default="hello world"
var key: required secret help="Stream key"
---
videotestsrc pattern=${pattern} ! video/x-raw,width=${width}
  # a comment line inside the body
  ! textoverlay text=${title} ! fakesink name="sink-${pattern}"
fakesrc ! volume volume=${gain} ! filesink location="${run_dir}/out-${key}.bin"
)";

PipelineFile good() {
  return parse_pipeline_file(kGood, "sample.pipeline", "sample");
}

std::string error_of(const std::string &text, const std::string &stem = "t") {
  try {
    parse_pipeline_file(text, "t.pipeline", stem);
  } catch (const PipelineError &e) {
    return e.what();
  }
  return "(no error)";
}

std::string expand_error(const PipelineFile &file, std::map<std::string, std::string> given) {
  try {
    auto values = resolve_values(file, given);
    values["run_dir"] = "/tmp/run";
    expand(file, values);
  } catch (const PipelineError &e) {
    return e.what();
  }
  return "(no error)";
}

std::string expanded(const PipelineFile &file, std::map<std::string, std::string> given) {
  auto values = resolve_values(file, given);
  values["run_dir"] = "/tmp/run";
  return expand(file, values);
}

}  // namespace

TEST(PipelineFile, ParsesHeaderAndVariables) {
  const PipelineFile f = good();
  EXPECT_EQ(f.name, "sample");
  EXPECT_EQ(f.description, "A sample pipeline");
  ASSERT_EQ(f.variables.size(), 5u);
  const Variable *pattern = f.find("pattern");
  ASSERT_NE(pattern, nullptr);
  EXPECT_EQ(pattern->default_value.value(), "ball");
  EXPECT_EQ(pattern->allowed, (std::vector<std::string>{"ball", "smpte"}));
  EXPECT_EQ(pattern->help, "Picture pattern");
  EXPECT_EQ(pattern->line, 4);
  const Variable *key = f.find("key");
  ASSERT_NE(key, nullptr);
  EXPECT_TRUE(key->required);
  EXPECT_TRUE(key->secret);
  EXPECT_EQ(f.find("width")->type, VarType::kInt);
  EXPECT_EQ(f.find("title")->default_value.value(), "hello world");
  EXPECT_EQ(f.body_line, 10);
  EXPECT_EQ(f.body.find("comment line"), std::string::npos);
}

TEST(PipelineFile, ExpandsPlainQuotedAndInQuoteValues) {
  const std::string out = expanded(good(), {{"key", "abc123"}, {"pattern", "smpte"}});
  EXPECT_NE(out.find("pattern=smpte "), std::string::npos);
  EXPECT_NE(out.find("video/x-raw,width=640"), std::string::npos);
  EXPECT_NE(out.find("text=\"hello world\""), std::string::npos);
  EXPECT_NE(out.find("name=\"sink-smpte\""), std::string::npos);
  EXPECT_NE(out.find("volume=1.5"), std::string::npos);
  EXPECT_NE(out.find("location=\"/tmp/run/out-abc123.bin\""), std::string::npos);
}

TEST(PipelineFile, ValueCannotChangeThePipelineShape) {
  const PipelineFile f = good();
  const std::string hostile = "x\" ! fakesink name=evil ! \"";
  const std::string out = expanded(f, {{"key", "k3y"}, {"title", hostile}});
  // The whole value sits inside one quoted token, its quotes escaped.
  EXPECT_NE(out.find("text=\"x\\\" ! fakesink name=evil ! \\\"\""), std::string::npos);
  const std::string in_quotes = expanded(f, {{"key", "a\" ! fakesink \"b\\"}});
  EXPECT_NE(in_quotes.find("out-a\\\" ! fakesink \\\"b\\\\.bin\""), std::string::npos);
}

TEST(PipelineFile, ValueStartingWithAQuoteIsRejectedAtTheStartOfAProperty) {
  const PipelineFile f = good();
  EXPECT_NE(expand_error(f, {{"key", "k"}, {"title", "\"quoted\""}})
                .find("may not begin with a double quote"),
            std::string::npos);
  const char text[] = "name: t\nvar a: default=x\n---\nfakesrc ! fakesink name=\"${a}\"\n";
  const PipelineFile g = parse_pipeline_file(text, "t.pipeline", "t");
  EXPECT_NE(expand_error(g, {{"a", "\"x"}}).find("t.pipeline:4: variable 'a'"), std::string::npos);
  // Further in, a quote is just a character.
  EXPECT_NE(expanded(f, {{"key", "\"k"}}).find("out-\\\"k.bin"), std::string::npos);
}

TEST(PipelineFile, NonPlainValueRejectedInCapsAndElementPositions) {
  const char text[] = R"(name: t
var fmt: default=I420
---
videotestsrc ! video/x-raw,format=${fmt} ! fakesink
)";
  const PipelineFile f = parse_pipeline_file(text, "t.pipeline", "t");
  EXPECT_NE(expanded(f, {{"fmt", "NV12"}}).find("format=NV12 "), std::string::npos);
  const std::string e = expand_error(f, {{"fmt", "I420 ! fakesink"}});
  EXPECT_NE(e.find("t.pipeline:4: variable 'fmt'"), std::string::npos) << e;
  EXPECT_NE(expand_error(f, {{"fmt", "I420,width=5"}}).find("may only contain"), std::string::npos);

  const char element[] = R"(name: t
var src: default=videotestsrc
---
${src} ! fakesink
)";
  const PipelineFile g = parse_pipeline_file(element, "t.pipeline", "t");
  EXPECT_NE(expand_error(g, {}).find("declare an allowed= list"), std::string::npos);
}

TEST(PipelineFile, ValueChecks) {
  const PipelineFile f = good();
  EXPECT_EQ(expand_error(f, {}),
            "sample.pipeline:8: variable 'key' is required: pass -s key=VALUE");
  EXPECT_EQ(expand_error(f, {{"key", "k"}, {"pattern", "snow"}}),
            "sample.pipeline:4: variable 'pattern': 'snow': value must be one of: ball, smpte");
  EXPECT_EQ(expand_error(f, {{"key", "k"}, {"width", "12abc"}}),
            "sample.pipeline:5: variable 'width': '12abc': value must be a whole number");
  EXPECT_EQ(expand_error(f, {{"key", "k"}, {"width", "8"}}),
            "sample.pipeline:5: variable 'width': '8': value must be at least 16");
  EXPECT_EQ(expand_error(f, {{"key", "k"}, {"gain", "11"}}),
            "sample.pipeline:6: variable 'gain': '11': value must be at most 10");
  EXPECT_EQ(expand_error(f, {{"key", "k"}, {"gain", "nan"}}),
            "sample.pipeline:6: variable 'gain': 'nan': value must be a number");
  EXPECT_NE(expand_error(f, {{"key", "k"}, {"nope", "1"}})
                .find("unknown variable 'nope' for pipeline 'sample' (it has: pattern, width"),
            std::string::npos);
  EXPECT_NE(expand_error(f, {{"key", "k"}, {"title", "bad\xff"}}).find("not valid UTF-8"),
            std::string::npos);
  EXPECT_NE(expand_error(f, {{"key", "k"}, {"title", "line\nbreak"}}).find("control characters"),
            std::string::npos);
  EXPECT_NE(expand_error(f, {{"key", "k"}, {"title", std::string(5000, 'a')}}).find("longer than"),
            std::string::npos);
}

TEST(PipelineFile, SecretValuesAreNeverEchoed) {
  const char text[] = R"(name: t
var key: secret allowed=aaa,bbb
---
fakesrc ! filesink location="/tmp/${key}"
)";
  const PipelineFile f = parse_pipeline_file(text, "t.pipeline", "t");
  const std::string e = expand_error(f, {{"key", "hunter2-secret"}});
  EXPECT_NE(e.find("(secret value)"), std::string::npos) << e;
  EXPECT_EQ(e.find("hunter2"), std::string::npos) << e;
}

TEST(PipelineFile, PerPortFilesUseThePortVariables) {
  const PipelineFile f = parse_pipeline_file(
      "name: t\nper-port: sdi\n---\nsdisrc device=${device} port=${port} ! x "
      "location=${port_dir}/a\n",
      "t.pipeline", "t");
  EXPECT_TRUE(f.per_port);
  EXPECT_EQ(error_of("name: t\n---\nsdisrc port=${port}\n"),
            "t.pipeline:3: unknown variable 'port' (declare it: var port: ...)");
  EXPECT_EQ(error_of("name: t\nper-port: all\n---\nx\n"),
            "t.pipeline:2: per-port takes 'sdi', not 'all'");
  EXPECT_EQ(parse_pipeline_file("name: t\nsimulated-cards: ports=4\n---\nx\n", "t.pipeline", "t")
                .simulated_cards,
            "ports=4");
  EXPECT_EQ(error_of("name: t\nsimulated-cards:\n---\nx\n"),
            "t.pipeline:2: simulated-cards needs a scenario");
}

TEST(PipelineFile, FileErrorsNameFileAndLine) {
  EXPECT_EQ(error_of("name: t\n---\n"), "t.pipeline:3: the pipeline is empty");
  EXPECT_EQ(error_of("name: t\nfakesrc ! fakesink\n"),
            "t.pipeline:2: unknown header line 'fakesrc ! fakesink' (expected name:, "
            "description:, on-interrupt:, page:, per-port:, simulated-cards:, var, preset, check, "
            "at or ---)");
  EXPECT_EQ(error_of("name: t\nfoo: bar\n---\nfakesrc ! fakesink\n"),
            "t.pipeline:2: unknown header line 'foo: bar' (expected name:, description:, "
            "on-interrupt:, page:, per-port:, simulated-cards:, var, preset, check, at or ---)");
  EXPECT_EQ(error_of("name: t\n"),
            "t.pipeline: no '---' line separating the header from the pipeline");
  EXPECT_EQ(error_of("name: other\n---\nfakesrc ! fakesink\n"),
            "t.pipeline: name 'other' does not match the file name 't.pipeline'");
  EXPECT_EQ(error_of("name: t\n---\nfakesrc ! fakesink x=${nope}\n"),
            "t.pipeline:3: unknown variable 'nope' (declare it: var nope: ...)");
  EXPECT_EQ(error_of("name: t\nvar a: default=1\n---\nfakesrc ! fakesink\n"),
            "t.pipeline:2: variable 'a' is declared but not used");
  EXPECT_EQ(error_of("name: t\nvar a: default=1\nvar a: default=2\n---\nx ${a}\n"),
            "t.pipeline:3: variable 'a' declared twice");
  EXPECT_EQ(error_of("name: t\nvar a: colour=red\n---\nx ${a}\n"),
            "t.pipeline:2: variable 'a': unknown attribute 'colour' (default, allowed, type, min, "
            "max, help, required, secret)");
  EXPECT_EQ(error_of("name: t\nvar a: required default=x\n---\nx ${a}\n"),
            "t.pipeline:2: variable 'a' cannot be both required and have a default");
  EXPECT_EQ(error_of("name: t\nvar a: type=int default=x\n---\nx ${a}\n"),
            "t.pipeline:2: variable 'a': default value must be a whole number");
  EXPECT_EQ(error_of("name: t\nvar a: help=\"open\n---\nx ${a}\n"),
            "t.pipeline:2: unterminated quote in attribute 'help'");
  EXPECT_EQ(error_of("name: t\nvar Bad: default=1\n---\nx ${Bad}\n"),
            "t.pipeline:2: invalid variable name 'Bad' (use lowercase letters, digits and _)");
  EXPECT_EQ(error_of("name: t\nvar run_dir: default=1\n---\nx\n"),
            "t.pipeline:2: variable 'run_dir' is set by onair and cannot be declared");
  EXPECT_EQ(error_of("name: t\n---\nfakesrc ! fakesink x=$y\n"),
            "t.pipeline:3: stray '$' (write ${name} for a variable, $$ for a literal $)");
  EXPECT_EQ(error_of("name: t\n---\nfakesrc ! fakesink x=${a\n"),
            "t.pipeline:3: unterminated '${'");
  EXPECT_EQ(error_of("name: t\xff\n---\nx\n"), "t.pipeline: file is not valid UTF-8");
}

TEST(PipelineFile, DollarDollarIsALiteralDollar) {
  const PipelineFile f =
      parse_pipeline_file("name: t\n---\nfakesrc ! fakesink name=\"a$$b\"\n", "t.pipeline", "t");
  EXPECT_EQ(expand(f, {}), "fakesrc ! fakesink name=\"a$b\"\n");
}

TEST(PipelineFile, FindsTheLineOfAWord) {
  const PipelineFile f = good();
  EXPECT_EQ(find_body_line(f, "textoverlay"), 12);
  EXPECT_EQ(find_body_line(f, "volume"), 13);
  EXPECT_EQ(find_body_line(f, "nothing"), 0);
}

namespace {

const char kLive[] = R"(name: live
var quality: default=medium allowed=low,medium,high
var width: type=int default=854
var height: type=int default=480
var fps: type=int default=30 min=1 max=60
var keyframe_interval: type=number default=2
var bitrate: type=int default=1500
var audio_bitrate: type=int default=128
var record: default=off allowed=on,off
var backup: default=""
preset quality=low: width=640 height=360 bitrate=800
preset quality=high: width=1920 height=1080 bitrate=6000
check keyframe_interval <= 3: keyframes must come at least every 3 s
check bitrate + audio_bitrate <= 7000: at most 7 Mb/s in all
check if record=on: bitrate <= 5000: recording takes at most 5 Mb/s
---
videotestsrc ! video/x-raw,width=${width},height=${height},framerate=${fps}/1
  ! x264enc bitrate=${bitrate} key-int-max=${fps * keyframe_interval} ! tee name=t
@if record=on
t. ! queue ! fakesink name=recorder
@else
t. ! queue ! fakesink name=norecord
@end
@if backup
t. ! queue ! fakesink name="backup-${backup}"
@end
audiotestsrc ! fakesink name=a${audio_bitrate}
)";

PipelineFile live() {
  return parse_pipeline_file(kLive, "live.pipeline", "live");
}

}  // namespace

TEST(PipelineFile, PresetsFillInWhatTheRunDidNotGive) {
  const PipelineFile f = live();
  ASSERT_EQ(f.presets.size(), 2u);
  auto v = resolve_values(f, {});
  EXPECT_EQ(v["width"], "854");  // medium: no preset, defaults
  v = resolve_values(f, {{"quality", "high"}});
  EXPECT_EQ(v["width"], "1920");
  EXPECT_EQ(v["bitrate"], "6000");
  v = resolve_values(f, {{"quality", "high"}, {"bitrate", "4500"}});
  EXPECT_EQ(v["bitrate"], "4500");  // the run's own value wins
  EXPECT_EQ(v["height"], "1080");
}

TEST(PipelineFile, ChecksRefuseSettingsOutsideTheLimits) {
  const PipelineFile f = live();
  EXPECT_EQ(expand_error(f, {{"keyframe_interval", "4"}}),
            "live.pipeline:13: keyframes must come at least every 3 s (keyframe_interval is 4, "
            "must be <= 3)");
  EXPECT_EQ(expand_error(f, {{"quality", "high"}, {"audio_bitrate", "1500"}}),
            "live.pipeline:14: at most 7 Mb/s in all (bitrate + audio_bitrate is 7500, must be <= "
            "7000)");
  EXPECT_EQ(expand_error(f, {{"quality", "high"}}), "(no error)");
  // A conditional check applies only when its condition holds.
  EXPECT_EQ(expand_error(f, {{"quality", "high"}, {"record", "on"}}),
            "live.pipeline:15: recording takes at most 5 Mb/s (bitrate is 6000, must be <= 5000)");
}

TEST(PipelineFile, ArithmeticInPlaceholders) {
  const PipelineFile f = live();
  EXPECT_NE(expanded(f, {}).find("key-int-max=60 "), std::string::npos);
  EXPECT_NE(expanded(f, {{"fps", "25"}, {"keyframe_interval", "1.5"}}).find("key-int-max=37.5"),
            std::string::npos);
}

TEST(PipelineFile, ConditionalLines) {
  const PipelineFile f = live();
  std::string out = expanded(f, {});
  EXPECT_EQ(out.find("recorder"), std::string::npos);
  EXPECT_NE(out.find("name=norecord"), std::string::npos);
  EXPECT_EQ(out.find("backup"), std::string::npos);
  EXPECT_EQ(out.find('@'), std::string::npos);
  out = expanded(f, {{"record", "on"}, {"backup", "b1"}});
  EXPECT_NE(out.find("name=recorder"), std::string::npos);
  EXPECT_EQ(out.find("norecord"), std::string::npos);
  EXPECT_NE(out.find("name=\"backup-b1\""), std::string::npos);
  // Lines keep their numbers, so errors still point at the file.
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'),
            std::count(f.body.begin(), f.body.end(), '\n'));
}

TEST(PipelineFile, ErrorsInPresetsChecksAndDirectives) {
  const std::string head = "name: t\nvar q: default=a allowed=a,b\nvar n: type=int default=1\n";
  const std::string body = "---\nfakesrc ! fakesink name=x${n}${q}\n";
  EXPECT_EQ(error_of(head + "preset q=c: n=2\n" + body),
            "t.pipeline:4: preset: 'c' is not an allowed value of 'q'");
  EXPECT_EQ(error_of(head + "preset q=b: m=2\n" + body),
            "t.pipeline:4: preset: unknown variable 'm'");
  EXPECT_EQ(error_of(head + "preset q=b: n=x\n" + body),
            "t.pipeline:4: preset: variable 'n': value must be a whole number");
  EXPECT_EQ(error_of(head + "check n <= : too big\n" + body),
            "t.pipeline:4: missing operand (arithmetic takes int or number variables)");
  EXPECT_EQ(error_of(head + "check n + q <= 3: too big\n" + body),
            "t.pipeline:4: 'q' is not a numeric variable in 'n + q' (arithmetic takes int or "
            "number variables)");
  EXPECT_EQ(error_of(head + "check n: x\n" + body),
            "t.pipeline:4: no comparison (<=, <, >=, >, ==, !=) in 'n'");
  EXPECT_EQ(error_of(head + body + "@if q=c\n@end\n"),
            "t.pipeline:6: @if: 'c' is not an allowed value of 'q'");
  EXPECT_EQ(error_of(head + body + "@if q=a\n"), "t.pipeline:6: @if without @end");
  EXPECT_EQ(error_of(head + body + "@end\n"), "t.pipeline:6: @end without @if");
  EXPECT_EQ(error_of(head + body + "@if zz\n@end\n"), "t.pipeline:6: @if: unknown variable 'zz'");
  EXPECT_EQ(error_of(head + body + "@unless q\n"),
            "t.pipeline:6: unknown directive '@unless' (@if, @else, @end)");
  EXPECT_EQ(error_of(head + "---\nfakesrc ! fakesink name=x${n * q}${q}\n"),
            "t.pipeline:5: 'q' is not a numeric variable in 'n * q' (arithmetic takes int or "
            "number variables)");
}

TEST(PipelineFile, OnInterrupt) {
  EXPECT_TRUE(parse_pipeline_file("name: t\n---\nx\n", "t.pipeline", "t").finish_on_interrupt);
  EXPECT_FALSE(parse_pipeline_file("name: t\non-interrupt: stop\n---\nx\n", "t.pipeline", "t")
                   .finish_on_interrupt);
  EXPECT_EQ(error_of("name: t\non-interrupt: later\n---\nx\n"),
            "t.pipeline:2: on-interrupt takes 'finish' or 'stop', not 'later'");
}

TEST(PipelineFile, Page) {
  EXPECT_EQ(parse_pipeline_file("name: t\n---\nx\n", "t.pipeline", "t").page, "/");
  EXPECT_EQ(parse_pipeline_file("name: t\npage: /ascii/\n---\nx\n", "t.pipeline", "t").page,
            "/ascii/");
  EXPECT_EQ(error_of("name: t\npage: ascii/\n---\nx\n"),
            "t.pipeline:2: page takes a path starting with '/', not 'ascii/'");
  EXPECT_EQ(error_of("name: t\npage: //evil.example/\n---\nx\n"),
            "t.pipeline:2: page takes a path starting with '/', not '//evil.example/'");
}

TEST(PipelineFile, ScheduledCommands) {
  const PipelineFile f = parse_pipeline_file(
      "name: t\n"
      "at 5: {\"cmd\":\"status\",\"text\":\"LIVE\"}\n"
      "at 0 every 60:{\"cmd\":\"chat\",\"user\":\"bot\",\"text\":\"a: b ${not_a_var}\"}\n"
      "  at 1.5   every 0.1 :  {\"cmd\":\"clear-chat\"}  \n"
      "---\nx\n",
      "t.pipeline", "t");
  ASSERT_EQ(f.schedule.size(), 3u);
  EXPECT_DOUBLE_EQ(f.schedule[0].at, 5);
  EXPECT_DOUBLE_EQ(f.schedule[0].every, 0);
  EXPECT_EQ(f.schedule[0].command, "{\"cmd\":\"status\",\"text\":\"LIVE\"}");
  EXPECT_EQ(f.schedule[0].line, 2);
  EXPECT_DOUBLE_EQ(f.schedule[1].at, 0);
  EXPECT_DOUBLE_EQ(f.schedule[1].every, 60);
  // Everything after the first ':' is the command, kept as written (no substitution).
  EXPECT_EQ(f.schedule[1].command,
            "{\"cmd\":\"chat\",\"user\":\"bot\",\"text\":\"a: b ${not_a_var}\"}");
  EXPECT_DOUBLE_EQ(f.schedule[2].at, 1.5);
  EXPECT_DOUBLE_EQ(f.schedule[2].every, 0.1);
  EXPECT_EQ(f.schedule[2].command, "{\"cmd\":\"clear-chat\"}");
  EXPECT_EQ(f.schedule[2].line, 4);
  EXPECT_TRUE(good().schedule.empty());
}

TEST(PipelineFile, ScheduleErrorsNameFileAndLine) {
  const std::string usage = "at takes 'at SECONDS [every SECONDS]: {\"cmd\":...}'";
  const auto at = [](const std::string &line) {
    return error_of("name: t\n" + line + "\n---\nx\n");
  };
  EXPECT_EQ(at("at 5 {\"cmd\":\"clear-chat\"}"), "t.pipeline:2: " + usage);
  EXPECT_EQ(at("at : {}"), "t.pipeline:2: " + usage);
  EXPECT_EQ(at("at 5 every: {}"), "t.pipeline:2: " + usage);
  EXPECT_EQ(at("at 5 often 3: {}"), "t.pipeline:2: " + usage);
  EXPECT_EQ(at("at soon: {}"),
            "t.pipeline:2: at takes a number of seconds from 0 to 86400, not 'soon'");
  EXPECT_EQ(at("at -1: {}"),
            "t.pipeline:2: at takes a number of seconds from 0 to 86400, not '-1'");
  EXPECT_EQ(at("at 90000: {}"),
            "t.pipeline:2: at takes a number of seconds from 0 to 86400, not '90000'");
  EXPECT_EQ(at("at nan: {}"),
            "t.pipeline:2: at takes a number of seconds from 0 to 86400, not 'nan'");
  EXPECT_EQ(at("at 1 every 0: {}"),
            "t.pipeline:2: every takes a number of seconds from 0.1 to 86400, not '0'");
  EXPECT_EQ(at("at 1 every 0.01: {}"),
            "t.pipeline:2: every takes a number of seconds from 0.1 to 86400, not '0.01'");
  EXPECT_EQ(at("at 1:   "), "t.pipeline:2: at: no command after ':'");
}

TEST(PipelineFile, UriVariablesTakeFilePaths) {
  const PipelineFile f = parse_pipeline_file(
      "name: t\nvar uri: type=uri required\n---\nuridecodebin uri=${uri} ! fakesink\n",
      "t.pipeline", "t");
  EXPECT_EQ(resolve_values(f, {{"uri", "https://example.com/a.m3u8"}}, "/w").at("uri"),
            "https://example.com/a.m3u8");
  EXPECT_EQ(resolve_values(f, {{"uri", "file:///srv/a.mp4"}}, "/w").at("uri"), "file:///srv/a.mp4");
  EXPECT_EQ(resolve_values(f, {{"uri", "/srv/my clip.mp4"}}, "/w").at("uri"),
            "file:///srv/my%20clip.mp4");
  EXPECT_EQ(resolve_values(f, {{"uri", "clips/a.mp4"}}, "/w").at("uri"), "file:///w/clips/a.mp4");
  EXPECT_EQ(as_uri("a:b.mp4", "/w"), "file:///w/a%3Ab.mp4");
  EXPECT_NE(error_of("name: t\nvar uri: type=uri min=1\n---\nfakesink name=${uri}\n")
                .find("min/max need type=int"),
            std::string::npos);
}

namespace {

// A file and what expand() makes of it for the given values.
struct Expanded {
  PipelineFile file;
  std::string launch;
};

Expanded expand_text(const std::string &text, std::map<std::string, std::string> given = {}) {
  Expanded e{parse_pipeline_file(text, "t.pipeline", "t"), ""};
  auto values = resolve_values(e.file, given);
  values["run_dir"] = "/tmp/run";
  values["web_dir"] = "/usr/share/onair/web";
  e.launch = expand(e.file, values);
  return e;
}

std::string syntax_error_of(const std::string &text,
                            std::map<std::string, std::string> given = {}) {
  const Expanded e = expand_text(text, given);
  return find_syntax_error(e.file, e.launch);
}

std::string explained(const std::string &text, LaunchError kind, const std::string &message,
                      std::map<std::string, std::string> given = {}) {
  const Expanded e = expand_text(text, given);
  return explain_launch_error(e.file, e.launch, kind, message);
}

// Bodies like the shipped pipelines' (demo, hls/rtmp/x/twitch/youtube,
// ascii-web, rtmp-capture), with header lines above them.
const char kDemoLike[] = R"(# The default job.
name: t
description: Live test scene
var pattern: default=smpte allowed=smpte,ball help="Test picture pattern"
var width: type=int default=1280 min=160 max=3840
var height: type=int default=720 min=90 max=2160
var bitrate: type=int default=2500 min=100 max=50000
var title: default="onair demo"
var logo: default=""
at 1: {"cmd":"chat","user":"onair","text":"Welcome! ! !"}
---
videotestsrc is-live=true pattern=${pattern} horizontal-speed=4
  ! video/x-raw,width=${width},height=${height},framerate=30/1
@if logo
  ! broadcastoverlay name=overlay status="${title} · {time}" logo-location=${logo}
@else
  ! broadcastoverlay name=overlay status="${title} · {time}" logo-location="${web_dir}/logo.png"
@end
  ! videoconvert ! queue
  ! x264enc tune=zerolatency speed-preset=veryfast bitrate=${bitrate} key-int-max=60
  ! video/x-h264,profile=main ! h264parse
  ! streammonitor name=video min-fps=25 max-gap=1000000000
  ! queue ! hls.video

audiotestsrc is-live=true wave=sine freq=440 volume=0.3
  ! audioconvert ! audioresample ! audio/x-raw,rate=44100,channels=2
  ! voaacenc bitrate=128000 ! aacparse
  ! streammonitor name=audio max-gap=1000000000
  ! queue ! hls.audio

hlssink2 name=hls target-duration=2 playlist-length=6 max-files=8
  location="${run_dir}/segment%05d.ts" playlist-location="${run_dir}/playlist.m3u8"
)";

const char kHlsLike[] = R"(name: t
var width: type=int default=854
var height: type=int default=480
var fps: type=int default=30 min=1 max=60
var bitrate: type=int default=1500
var audio_bitrate: type=int default=128
var keyframe_interval: type=number default=2
var source: default=test allowed=test,file,app
var file: default=""
var record: default=off allowed=on,off
var overlay: default=on allowed=on,off
var status: default=""
var logo: default=""
var key: secret default=k
---
@if source=test
videotestsrc is-live=true pattern=smpte horizontal-speed=2
  ! video/x-raw,width=${width},height=${height},framerate=${fps}/1
  ! timeoverlay halignment=right valignment=top shaded-background=true font-desc="Sans 24"
  ! queue name=video_raw
audiotestsrc is-live=true wave=sine freq=440 volume=0.2 ! queue name=audio_raw
@end
@if source=file
filesrc location=${file} ! decodebin name=dec
dec. ! videorate ! clocksync ! queue name=video_raw
dec. ! clocksync ! queue name=audio_raw
@end
@if source=app
appsrc name=video_in format=time is-live=true do-timestamp=true
  caps="video/x-raw,format=RGB,width=${width},height=${height},framerate=${fps}/1"
  ! queue name=video_raw
@end

# One encode, shared by every output below.
video_raw. ! videoconvert ! videoscale
  ! video/x-raw,format=I420,width=${width},height=${height},framerate=${fps}/1
@if overlay=on
  ! broadcastoverlay name=overlay status=${status} logo-location=${logo}
@end
  ! x264enc tune=zerolatency speed-preset=veryfast bitrate=${bitrate} vbv-buf-capacity=1000
      key-int-max=${fps * keyframe_interval} option-string="scenecut=0"
  ! video/x-h264,profile=high ! h264parse config-interval=-1
  ! streammonitor name=video max-gap=1000000000 ! tee name=vt
audio_raw. ! audioconvert ! audioresample ! audio/x-raw,rate=44100,channels=2
  ! voaacenc bitrate=${audio_bitrate * 1000} ! aacparse
  ! streammonitor name=audio max-gap=1000000000 ! tee name=at

vt. ! queue ! live.video
at. ! queue ! live.audio
resilientrtmpsink name=live location="rtmp://example.com/app/${key}"

@if record=on
vt. ! queue ! rec.video_0
at. ! queue ! rec.audio_0
matroskamux name=rec ! filesink location="${run_dir}/recording.mkv"
@end
)";

const char kAsciiLike[] = R"(name: t
var cols: type=int default=120
var audio: default=on allowed=on,off
---
uridecodebin uri=file:///tmp/a.mp4 name=d
d. ! queue max-size-time=1000000000 ! videoconvert ! tee name=v
v. ! queue max-size-time=1000000000
  ! asciienc cols=${cols} rows=50 mode=3 max-fps=25 changed-cells=true
  ! webstreamsink name=frames path=/ascii/ws
@if audio=on
# Without a sound track this branch gets nothing.
d. ! queue max-size-time=1000000000 ! audioconvert ! audioresample
  ! voaacenc bitrate=128000 ! aacparse ! audio/mpeg,stream-format=adts
  ! webstreamsink name=sound protocol=http path=/ascii/audio.aac async=false client-queue=64
@end
)";

const char kCaptureLike[] = R"(name: t
var url: required secret
var min_fps: type=number default=10 min=0
---
rtmp2src location="${url}" idle-timeout=10 ! flvdemux name=demux
demux.video ! queue ! h264parse ! streammonitor name=video min-fps=${min_fps} max-gap=2000000000
  ! avdec_h264 ! videoconvert ! video/x-raw,format=RGB
  ! appsink name=video_out max-buffers=2 drop=true sync=false async=false wait-on-eos=false
demux.audio ! queue ! aacparse ! streammonitor name=audio max-gap=2000000000
  ! avdec_aac ! audioconvert ! audioresample ! audio/x-raw,format=S16LE,rate=16000,channels=1
  ! appsink name=audio_out max-buffers=8 drop=true sync=false async=false wait-on-eos=false
)";

}  // namespace

TEST(PipelineFile, EmptyLinksNameTheirLine) {
  EXPECT_EQ(syntax_error_of("name: t\n---\nvideotestsrc ! ! fakesink\n"),
            "t.pipeline:3: syntax error: '!' follows another '!' with no element between");
  EXPECT_EQ(syntax_error_of("name: t\n---\nvideotestsrc !! fakesink\n"),
            "t.pipeline:3: syntax error: '!' follows another '!' with no element between");
  // Across lines, blank lines and comment lines, below header lines.
  EXPECT_EQ(syntax_error_of("# head\nname: t\nvar w: type=int default=5\n\n---\nvideotestsrc\n"
                            "  ! video/x-raw,width=${w} !\n\n  # comment\n  ! fakesink\n"),
            "t.pipeline:10: syntax error: '!' follows the '!' on line 7 with no element between");
  // "! caps !" is one link: a '!' after it has no element before it either.
  EXPECT_EQ(syntax_error_of("name: t\n---\nvideotestsrc\n  ! video/x-raw,width=320 !\n"
                            "  ! fakesink\n"),
            "t.pipeline:5: syntax error: '!' follows the '!' on line 4 with no element between");
  // Lines of branches not taken are gone: the '!' before them now ends the chain.
  const char branch[] =
      "name: t\nvar o: default=off allowed=on,off\n---\nvideotestsrc\n@if o=on\n"
      "  ! textoverlay\n@end\n  ! ! fakesink\n";
  EXPECT_EQ(syntax_error_of(branch, {{"o", "on"}}),
            "t.pipeline:8: syntax error: '!' follows another '!' with no element between");
  EXPECT_EQ(syntax_error_of(branch, {{"o", "off"}}),
            "t.pipeline:8: syntax error: '!' follows another '!' with no element between");
}

TEST(PipelineFile, LinksAtTheEndsAndParenthesesNameTheirLine) {
  EXPECT_EQ(syntax_error_of("name: t\n---\n! videotestsrc ! fakesink\n"),
            "t.pipeline:3: syntax error: '!' with no element before it");
  EXPECT_EQ(syntax_error_of("name: t\n---\n\n  ! videotestsrc ! fakesink\n"),
            "t.pipeline:4: syntax error: '!' with no element before it");
  EXPECT_EQ(syntax_error_of("name: t\n---\nvideotestsrc ! fakesink !\n\n# done\n\n"),
            "t.pipeline:3: syntax error: '!' with no element after it");
  EXPECT_EQ(syntax_error_of("name: t\n---\nvideotestsrc ! video/x-raw,width=320 !\n"),
            "t.pipeline:3: syntax error: '!' with no element after it");
  EXPECT_EQ(syntax_error_of("name: t\n---\nfakesrc ! ( ! fakesink )\n"),
            "t.pipeline:3: syntax error: '!' with no element before it");
  EXPECT_EQ(syntax_error_of("name: t\n---\nfakesrc ! ( queue !\n  )\n"),
            "t.pipeline:3: syntax error: '!' with no element after it");
  EXPECT_EQ(syntax_error_of("name: t\n---\nfakesrc\n  ! ( queue ! fakesink\n"),
            "t.pipeline:4: syntax error: '(' without a ')' after it");
  EXPECT_EQ(syntax_error_of("name: t\n---\nfakesrc ! queue\n  ! fakesink )\n"),
            "t.pipeline:4: syntax error: ')' without a '(' before it");
  // What follows an unterminated quote is not known.
  const PipelineFile f = parse_pipeline_file("name: t\n---\nx\n", "t.pipeline", "t");
  EXPECT_EQ(find_syntax_error(f, "fakesrc !\n ! fakesink name=\"a\n\n ! !"),
            "t.pipeline:4: syntax error: '!' follows the '!' on line 3 with no element between");
  EXPECT_EQ(find_syntax_error(f, "fakesrc ! fakesink\nname=\"a !\n"),
            "t.pipeline:4: syntax error: unterminated quote");
}

TEST(PipelineFile, UnterminatedQuoteIsRefusedWhenTheFileIsRead) {
  EXPECT_EQ(error_of("name: t\ndescription: d\nvar a: default=1\n---\nvideotestsrc\n"
                     "  ! textoverlay text=\"hello ${a}\n  ! fakesink\n"),
            "t.pipeline:6: syntax error: unterminated quote");
  // The quote that opens and is never closed, after ones that close.
  EXPECT_EQ(error_of("name: t\n---\nfakesrc ! fakesink name=\"a\" location=\"b\\\" ! x\n"),
            "t.pipeline:3: syntax error: unterminated quote");
  EXPECT_EQ(error_of("name: t\n---\nfakesrc ! capsfilter caps=\"video/x-raw\"\n"
                     "  ! video/x-raw,format=\"I420 ! fakesink\n"),
            "t.pipeline:4: syntax error: unterminated quote");
  // A quote in an unquoted value opens a quoted string too (as expand() reads it).
  EXPECT_EQ(error_of("name: t\n---\nfakesrc ! fakesink name=a\"b\n"),
            "t.pipeline:3: syntax error: unterminated quote");
  // In a branch not taken as well; a quote may span lines.
  EXPECT_EQ(error_of("name: t\nvar o: default=off allowed=on,off\n---\nfakesrc ! fakesink\n"
                     "@if o=on\nfakesrc ! fakesink name=\"x\n@end\n"),
            "t.pipeline:6: syntax error: unterminated quote");
  EXPECT_EQ(error_of("name: t\n---\nfakesrc ! textoverlay text=\"two\nlines\" ! fakesink\n"),
            "(no error)");
}

TEST(PipelineFile, ValidBodiesHaveNoSyntaxError) {
  for (const char *text : {kDemoLike, kHlsLike, kAsciiLike, kGood, kLive}) {
    const std::string stem = text == kGood ? "sample" : text == kLive ? "live" : "t";
    const PipelineFile f = parse_pipeline_file(text, stem + ".pipeline", stem);
    std::map<std::string, std::string> given;
    if (f.find("key") && f.find("key")->required) given["key"] = "k";
    auto values = resolve_values(f, given);
    values["run_dir"] = "/tmp/run";
    values["web_dir"] = "/w";
    EXPECT_EQ(find_syntax_error(f, expand(f, values)), "") << text;
  }
  EXPECT_EQ(syntax_error_of(kHlsLike, {{"source", "app"}, {"record", "on"}, {"overlay", "off"}}),
            "");
  EXPECT_EQ(syntax_error_of(kHlsLike, {{"source", "file"}, {"file", "a ! ! b.mp4"}}), "");
  EXPECT_EQ(syntax_error_of(kAsciiLike, {{"audio", "off"}}), "");
  EXPECT_EQ(syntax_error_of(kCaptureLike, {{"url", "rtmp://h/app/k\" ! ! x"}}), "");
  EXPECT_EQ(syntax_error_of(kDemoLike, {{"title", "! ! (\"quoted\" ) !"}, {"logo", "a!b.png"}}),
            "");
  // '!' and parentheses inside quotes, unquoted values, caps and bins.
  for (const char *body : {
           "textoverlay text=\"a ! ! b\" ! fakesink",
           "textoverlay text=\"say \\\"!\\\" ( \" ! fakesink",
           "fakesrc ! fakesink name=a!!b",
           "fakesrc ! identity name=x! ! fakesink",
           "fakesrc ! fakesink name=a)",
           "fakesrc ! fakesink name = b sync= false",
           "videotestsrc ! video/x-raw,width=(int)320,format=(string){ I420, NV12 } ! fakesink",
           "videotestsrc ! video/x-raw(memory:SystemMemory),width=[ 16, 320 ] ! fakesink",
           "videotestsrc ! video/x-raw, width=320 ,height=240 ! fakesink",
           "fakesrc ! ( queue ! fakesink )",
           "fakesrc ! bin.( queue ! fakesink )\nbin.( fakesrc ! queue ) ! fakesink",
           "fakesrc ! ( name=b queue ! fakesink )",
           "fakesrc ! tee name=t t. ! queue ! fakesink t. ! queue ! fakesink",
           "fakesrc!fakesink",
           "filesrc location=a$$b ! fakesink",
       }) {
    EXPECT_EQ(syntax_error_of(std::string("name: t\n---\n") + body + "\n"), "") << body;
  }
}

TEST(PipelineFile, SyntaxErrorWithNothingFoundKeepsGStreamersMessage) {
  EXPECT_EQ(explained("name: t\n---\nfakesrc ! fakesink ,\n", LaunchError::kSyntax, "syntax error"),
            "t.pipeline: syntax error");
  EXPECT_EQ(
      explained("name: t\n---\nfakesrc !\n  ! fakesink\n", LaunchError::kSyntax, "syntax error"),
      "t.pipeline:4: syntax error: '!' follows the '!' on line 3 with no element between");
  EXPECT_EQ(explained("name: t\n---\nfakesrc ! fakesink\n", LaunchError::kOther,
                      "could not link fakesrc0 to fakesink0"),
            "t.pipeline: could not link fakesrc0 to fakesink0");
}

TEST(PipelineFile, BadPropertyValueNamesTheLineAndVariable) {
  const char text[] =
      "name: t\nvar p: default=smpte\n---\nvideotestsrc\n  pattern=${p} ! fakesink\n";
  EXPECT_EQ(explained(text, LaunchError::kBadPropertyValue,
                      "could not set property \"pattern\" in element \"videotestsrc\" to \"plaid\"",
                      {{"p", "plaid"}}),
            "t.pipeline:5: could not set property \"pattern\" in element \"videotestsrc\" to "
            "\"plaid\" (value of variable 'p')");
  // A value written in the file: the line alone.
  EXPECT_EQ(
      explained("name: t\n---\nvideotestsrc pattern=plaid ! fakesink\n",
                LaunchError::kBadPropertyValue,
                "could not set property \"pattern\" in element \"videotestsrc0\" to \"plaid\""),
      "t.pipeline:3: could not set property \"pattern\" in element \"videotestsrc0\" to "
      "\"plaid\"");
  // A quoted value, spaces around '=', '_' for '-'.
  EXPECT_EQ(explained("name: t\nvar s: default=x\n---\nfakesrc ! fakesink\n  sync = \"${s}\"\n",
                      LaunchError::kBadPropertyValue,
                      "could not set property \"sync\" in element \"fakesink\" to \"maybe\"",
                      {{"s", "maybe"}}),
            "t.pipeline:5: could not set property \"sync\" in element \"fakesink\" to \"maybe\" "
            "(value of variable 's')");
  EXPECT_EQ(explained("name: t\nvar n: default=x\n---\nx264enc key_int_max=${n} ! fakesink\n",
                      LaunchError::kBadPropertyValue,
                      "could not set property \"key-int-max\" in element \"x264enc\" to \"x\""),
            "t.pipeline:4: could not set property \"key-int-max\" in element \"x264enc\" to \"x\" "
            "(value of variable 'n')");
}

TEST(PipelineFile, BadPropertyValuePicksTheElementAmongSeveral) {
  // Two bitrate= lines (video and audio encoder): the element tells them apart.
  const std::string video = "could not set property \"bitrate\" in element \"x264enc\" to \"1500\"";
  EXPECT_EQ(explained(kHlsLike, LaunchError::kBadPropertyValue, video),
            "t.pipeline:40: " + video + " (value of variable 'bitrate')");
  const std::string audio =
      "could not set property \"bitrate\" in element \"voaacenc0\" to \"128000\"";
  EXPECT_EQ(explained(kHlsLike, LaunchError::kBadPropertyValue, audio),
            "t.pipeline:45: " + audio + " (value made from variable 'audio_bitrate')");
  // An arithmetic value, on a continuation line.
  const std::string keyint =
      "could not set property \"key-int-max\" in element \"x264enc\" to \"60\"";
  EXPECT_EQ(explained(kHlsLike, LaunchError::kBadPropertyValue, keyint),
            "t.pipeline:41: " + keyint + " (value made from variables 'fps', 'keyframe_interval')");
  // Named elements by their names; a value built from several variables.
  const std::string location =
      "could not set property \"location\" in element \"hls\" to \"/tmp/run/segment%05d.ts\"";
  EXPECT_EQ(explained(kDemoLike, LaunchError::kBadPropertyValue, location),
            "t.pipeline:32: " + location + " (value made from variable 'run_dir')");
  // The same element twice: the value tells them apart; the line of the branch taken.
  const char twice[] = R"(name: t
var a: default=smpte
var b: default=ball
var o: default=off allowed=on,off
---
videotestsrc pattern=${a} ! fakesink
@if o=on
videotestsrc pattern=${b} ! fakesink
@else
videotestsrc pattern=${b} ! fakesink sync=false
@end
)";
  const std::string snow =
      "could not set property \"pattern\" in element \"videotestsrc\" to \"snow\"";
  EXPECT_EQ(explained(twice, LaunchError::kBadPropertyValue, snow, {{"b", "snow"}}),
            "t.pipeline:10: " + snow + " (value of variable 'b')");
  EXPECT_EQ(explained(twice, LaunchError::kBadPropertyValue, snow, {{"b", "snow"}, {"o", "on"}}),
            "t.pipeline:8: " + snow + " (value of variable 'b')");
  // Nothing tells them apart: no line rather than a wrong one.
  EXPECT_EQ(explained(twice, LaunchError::kBadPropertyValue, snow, {{"a", "snow"}, {"b", "snow"}}),
            "t.pipeline: " + snow);
  // On one line, the line without a variable.
  EXPECT_EQ(explained("name: t\nvar a: default=x\n---\nfakesrc ! fakesink sync=${a} ! "
                      "fakesink sync=${a}\n",
                      LaunchError::kBadPropertyValue,
                      "could not set property \"sync\" in element \"fakesink\" to \"x\""),
            "t.pipeline:4: could not set property \"sync\" in element \"fakesink\" to \"x\"");
}

TEST(PipelineFile, NoSuchPropertyNamesTheLine) {
  const std::string foo = "no property \"foo\" in element \"videotestsrc\"";
  EXPECT_EQ(explained("name: t\n---\nvideotestsrc\n  foo=1 ! fakesink\n",
                      LaunchError::kNoSuchProperty, foo),
            "t.pipeline:4: " + foo);
  // No variable named: the name is the mistake, not the value.
  EXPECT_EQ(explained("name: t\nvar v: default=1\n---\nvideotestsrc foo=${v} ! fakesink\n",
                      LaunchError::kNoSuchProperty, foo),
            "t.pipeline:4: " + foo);
  // Among several, the element's; a name that is nowhere: no line.
  EXPECT_EQ(explained("name: t\n---\nfakesrc foo=1 ! queue\n  ! videotestsrc foo=2 ! fakesink\n",
                      LaunchError::kNoSuchProperty, foo),
            "t.pipeline:4: " + foo);
  EXPECT_EQ(explained("name: t\n---\nfakesrc ! fakesink\n", LaunchError::kNoSuchProperty, foo),
            "t.pipeline: " + foo);
  // A message in another form (another language) is kept as it is.
  EXPECT_EQ(explained("name: t\n---\nvideotestsrc foo=1 ! fakesink\n", LaunchError::kNoSuchProperty,
                      "keine Eigenschaft »foo«"),
            "t.pipeline: keine Eigenschaft »foo«");
}

TEST(PipelineFile, PropertyErrorsAddNoValues) {
  const char text[] =
      "name: t\nvar k: secret default=x\n---\nfakesrc ! fakesink\n"
      "  sync=${k}\n";
  // GStreamer's message holds the value (the caller redacts it); the note only the name.
  const std::string e = explained(
      text, LaunchError::kBadPropertyValue,
      "could not set property \"sync\" in element \"fakesink\" to \"***\"", {{"k", "hunter2"}});
  EXPECT_EQ(e,
            "t.pipeline:5: could not set property \"sync\" in element \"fakesink\" to \"***\" "
            "(value of variable 'k')");
  EXPECT_EQ(e.find("hunter2"), std::string::npos);
}

TEST(PipelineFile, MissingElementNamesTheLineAndVariable) {
  const std::string hint = "is its plugin installed? 'gst-inspect-1.0 NAME' tells";
  EXPECT_EQ(explained("name: t\n---\nfakesrc\n  ! nosuchelement\n  ! fakesink\n",
                      LaunchError::kNoSuchElement, "no element \"nosuchelement\""),
            "t.pipeline:4: no element \"nosuchelement\" (" + hint + ")");
  // The name only in a property value or a name= elsewhere is not the element.
  EXPECT_EQ(explained("name: t\n---\nfakesrc name=bogus\n  ! bogus ! fakesink\n",
                      LaunchError::kNoSuchElement, "no element \"bogus\""),
            "t.pipeline:4: no element \"bogus\" (" + hint + ")");
  const char chosen[] =
      "name: t\nvar enc: default=x264enc allowed=x264enc,nosuchenc\n---\n"
      "videotestsrc\n  ! ${enc} ! fakesink\n";
  EXPECT_EQ(explained(chosen, LaunchError::kNoSuchElement, "no element \"nosuchenc\"",
                      {{"enc", "nosuchenc"}}),
            "t.pipeline:5: no element \"nosuchenc\" (value of variable 'enc'; " + hint + ")");
  EXPECT_EQ(explained("name: t\n---\nfakesrc ! fakesink\n", LaunchError::kNoSuchElement,
                      "no element \"elsewhere\""),
            "t.pipeline: no element \"elsewhere\" (" + hint + ")");
}
