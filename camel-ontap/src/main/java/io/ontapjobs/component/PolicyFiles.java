package io.ontapjobs.component;

import io.ontapjobs.policy.Durations;
import io.ontapjobs.policy.Policies;
import io.ontapjobs.policy.PollSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.camel.CamelContext;

/** Where the component's policies come from, and the polling of those that set none ({@code ontap.poll.*}). */
final class PolicyFiles {
    private PolicyFiles() {
    }

    /** {@code ontap.poll.initial|max|multiplier|jitter}: the polling of policies that set no {@code poll}. */
    private static PollSettings defaultPoll(CamelContext context) {
        var props = context.getPropertiesComponent();
        PollSettings d = PollSettings.DEFAULT;
        try {
            return new PollSettings(
                    props.resolveProperty("ontap.poll.initial").map(Durations::parse).orElse(d.initial()),
                    props.resolveProperty("ontap.poll.max").map(Durations::parse).orElse(d.max()),
                    props.resolveProperty("ontap.poll.multiplier").map(Double::parseDouble).orElse(d.multiplier()),
                    props.resolveProperty("ontap.poll.jitter").map(Double::parseDouble).orElse(d.jitter()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ontap.poll.*: " + e.getMessage(), e);
        }
    }

    /** The policies of {@code policiesFile}, else of {@code ontap.policies.file}, else of config/policies.yaml, else the built-in ones. */
    static Policies load(CamelContext context, String policiesFile) throws IOException {
        PollSettings poll = defaultPoll(context);
        String file = policiesFile != null ? policiesFile
                : context.getPropertiesComponent().resolveProperty("ontap.policies.file").orElse(null);
        if (file != null && file.startsWith("classpath:")) { // the copy inside the jar
            String resource = file.substring("classpath:".length());
            try (var in = context.getClassResolver().loadResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalArgumentException("ontap.policies.file: " + file + " not found");
                }
                return Policies.parse(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8), file, poll);
            }
        }
        if (file != null) {
            return Policies.load(Path.of(file), poll); // a named file must exist: its absence is a mistake worth stopping for
        }
        Path standard = Path.of("config/policies.yaml");
        return Files.isRegularFile(standard) ? Policies.load(standard, poll) : Policies.builtIn(poll);
    }
}
