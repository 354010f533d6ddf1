#include "pipeline_file.h"

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

TEST(PipelineFile, FileErrorsNameFileAndLine) {
  EXPECT_EQ(error_of("name: t\n---\n"), "t.pipeline:3: the pipeline is empty");
  EXPECT_EQ(error_of("name: t\nfakesrc ! fakesink\n"),
            "t.pipeline:2: unknown header line 'fakesrc ! fakesink' (expected name:, "
            "description:, on-interrupt:, var, preset, check, at or ---)");
  EXPECT_EQ(error_of("name: t\nfoo: bar\n---\nfakesrc ! fakesink\n"),
            "t.pipeline:2: unknown header line 'foo: bar' (expected name:, description:, "
            "on-interrupt:, var, preset, check, at or ---)");
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
