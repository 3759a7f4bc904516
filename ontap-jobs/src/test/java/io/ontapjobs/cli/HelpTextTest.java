package io.ontapjobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ontapjobs.ontap.Version;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A newcomer's first look: the help texts say whole sentences and wrap where the terminal does, not mid-line. */
class HelpTextTest {

    private static String help(String... args) {
        StringWriter out = new StringWriter();
        int code = Main.execute(k -> null, new PrintWriter(out, true), new PrintWriter(new StringWriter(), true), args);
        assertThat(code).isZero();
        return out.toString();
    }

    @Test
    void theCommandListShowsWholeSentences() {
        List<String> lines = help("--help").lines().toList();
        int start = lines.indexOf("Commands:") + 1;
        // each command's entry (its first line and the indented continuation lines) ends a sentence
        StringBuilder entry = new StringBuilder();
        for (String line : lines.subList(start, lines.size())) {
            if (!line.startsWith("    ") && entry.length() > 0) {
                assertThat(entry.toString().strip()).as("command list entry").endsWith(".");
                entry.setLength(0);
            }
            entry.append(' ').append(line.strip());
        }
        assertThat(entry.toString().strip()).endsWith(".");
    }

    @Test
    void serveHelpIsWrappedOnceNotBrokenMidLine() {
        String text = help("serve", "--help");
        List<String> description = text.lines().skip(1).takeWhile(l -> !l.startsWith("  ")).toList();
        assertThat(description).isNotEmpty();
        for (String line : description) {
            assertThat(line.length()).as(line).isLessThanOrEqualTo(80);
            // a short line that does not end a sentence is a hard break in the middle of a paragraph
            assertThat(line.endsWith(".") || line.length() > 60).as("broken wrap: '%s'", line).isTrue();
        }
        assertThat(text).doesNotContain("With no cluster URL configured, an ONTAP simulator"); // no longer true
    }

    @Test
    void versionIsTheBuilds() {
        assertThat(help("--version").strip()).isEqualTo("ontap-jobs " + Version.VERSION);
        assertThat(Version.VERSION).isNotEqualTo("unknown");
    }
}
