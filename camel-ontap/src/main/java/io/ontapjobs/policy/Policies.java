package io.ontapjobs.policy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The named policies of one file; {@code default} is always there. */
public final class Policies {
    public static final String DEFAULT = "default";
    /** Poll from 500 ms to 30 s, wait 1 h, cancel on timeout, no rules: every failure fails. */
    public static final Policy BUILT_IN_DEFAULT = builtInDefault(PollSettings.DEFAULT);

    private final Map<String, Policy> byName;

    Policies(Map<String, Policy> byName, PollSettings defaultPoll) {
        Map<String, Policy> copy = new LinkedHashMap<>(byName);
        copy.putIfAbsent(DEFAULT, builtInDefault(defaultPoll));
        this.byName = Collections.unmodifiableMap(copy);
    }

    private static Policy builtInDefault(PollSettings poll) {
        return new Policy(DEFAULT, poll, Duration.ofHours(1), OnTimeout.CANCEL, List.of(), false, null);
    }

    public static Policies builtIn() {
        return builtIn(PollSettings.DEFAULT);
    }

    /** @param defaultPoll the polling of policies that set no {@code poll} (from {@code ontap.poll.*}) */
    public static Policies builtIn(PollSettings defaultPoll) {
        return new Policies(Map.of(), defaultPoll);
    }

    /** @throws PolicyException naming the file, the line and the key of the first mistake */
    public static Policies load(Path file) {
        return load(file, PollSettings.DEFAULT);
    }

    public static Policies load(Path file, PollSettings defaultPoll) {
        try {
            return parse(Files.readString(file), file.toString(), defaultPoll);
        } catch (NoSuchFileException e) {
            throw new PolicyException(file + ": policies file not found");
        } catch (IOException e) {
            throw new PolicyException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    public static Policies parse(String yaml, String sourceName) {
        return parse(yaml, sourceName, PollSettings.DEFAULT);
    }

    public static Policies parse(String yaml, String sourceName, PollSettings defaultPoll) {
        return new Policies(new PolicyParser(sourceName, defaultPoll).parse(yaml), defaultPoll);
    }

    public Policy get(String name) {
        Policy p = byName.get(name == null ? DEFAULT : name);
        if (p == null) {
            throw new PolicyException("unknown policy '" + name + "' (known: " + String.join(", ", byName.keySet()) + ")");
        }
        return p;
    }

    public Set<String> names() {
        return byName.keySet();
    }
}
