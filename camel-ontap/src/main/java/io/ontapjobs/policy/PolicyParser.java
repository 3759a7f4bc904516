package io.ontapjobs.policy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/** Reads a policies file from SnakeYAML's node tree, which keeps the line of every key for the messages. */
final class PolicyParser {
    private static final Set<String> POLICY_KEYS = Set.of("poll", "timeout", "on-timeout", "rules", "retry-unsafe", "return-timeout");
    private static final Set<String> POLL_KEYS = Set.of("initial", "max", "multiplier", "jitter");
    private static final Set<String> RULE_KEYS = Set.of("when", "then", "max-attempts", "backoff");
    private static final Set<String> WHEN_KEYS = Set.of("code", "http-status", "message");

    private final String source;
    private final PollSettings defaultPoll;

    PolicyParser(String source, PollSettings defaultPoll) {
        this.source = source;
        this.defaultPoll = defaultPoll;
    }

    Map<String, Policy> parse(String yaml) {
        Node root;
        try {
            root = new Yaml(new LoaderOptions()).compose(new java.io.StringReader(yaml));
        } catch (MarkedYAMLException e) {
            throw new PolicyException(source + ":" + (e.getProblemMark().getLine() + 1) + ": not valid YAML (" + e.getProblem() + ")");
        }
        if (root == null) {
            return Map.of();
        }
        Map<String, NodeTuple> top = mapping(root, "the file", Set.of("policies"));
        NodeTuple policies = top.get("policies");
        if (policies == null) {
            throw error(root, "missing top-level key 'policies'");
        }
        Map<String, Policy> result = new LinkedHashMap<>();
        if (!(policies.getValueNode() instanceof MappingNode named)) {
            throw error(policies.getValueNode(), "'policies' must map names to policies");
        }
        for (NodeTuple t : named.getValue()) {
            String name = scalar(t.getKeyNode(), "a policy name");
            result.put(name, policy(name, t.getValueNode()));
        }
        return result;
    }

    private Policy policy(String name, Node node) {
        String where = "policy '" + name + "'";
        Map<String, NodeTuple> keys = mapping(node, where, POLICY_KEYS);
        PollSettings poll = keys.containsKey("poll") ? poll(keys.get("poll").getValueNode(), where) : defaultPoll;
        Duration timeout = keys.containsKey("timeout") ? duration(keys.get("timeout"), where) : Policies.BUILT_IN_DEFAULT.timeout();
        OnTimeout onTimeout = OnTimeout.CANCEL;
        if (keys.containsKey("on-timeout")) {
            String v = scalar(keys.get("on-timeout").getValueNode(), "on-timeout");
            onTimeout = switch (v) {
                case "cancel" -> OnTimeout.CANCEL;
                case "abandon" -> OnTimeout.ABANDON;
                default -> throw error(keys.get("on-timeout").getValueNode(), "bad value '" + v + "' for 'on-timeout' in " + where + " (one of cancel, abandon)");
            };
        }
        boolean retryUnsafe = keys.containsKey("retry-unsafe") && bool(keys.get("retry-unsafe"), where);
        List<Rule> rules = new ArrayList<>();
        if (keys.containsKey("rules")) {
            Node list = keys.get("rules").getValueNode();
            if (!(list instanceof SequenceNode seq)) {
                throw error(list, "'rules' in " + where + " must be a list");
            }
            for (int i = 0; i < seq.getValue().size(); i++) {
                rules.add(rule(seq.getValue().get(i), "rule " + (i + 1) + " of " + where));
            }
        }
        Integer returnTimeout = null;
        if (keys.containsKey("return-timeout")) {
            double n = number(keys.get("return-timeout"), where);
            if (n > 120 || n != Math.floor(n)) {
                throw error(keys.get("return-timeout").getValueNode(), "'return-timeout' in " + where + " must be a whole number of seconds, 0-120");
            }
            returnTimeout = (int) n;
        }
        return new Policy(name, poll, timeout, onTimeout, List.copyOf(rules), retryUnsafe, returnTimeout);
    }

    private PollSettings poll(Node node, String where) {
        String at = "'poll' of " + where;
        Map<String, NodeTuple> keys = mapping(node, at, POLL_KEYS);
        PollSettings d = defaultPoll;
        Duration initial = keys.containsKey("initial") ? duration(keys.get("initial"), at) : d.initial();
        Duration max = keys.containsKey("max") ? duration(keys.get("max"), at) : d.max();
        double multiplier = keys.containsKey("multiplier") ? number(keys.get("multiplier"), at) : d.multiplier();
        double jitter = keys.containsKey("jitter") ? number(keys.get("jitter"), at) : d.jitter();
        if (initial.isZero()) {
            throw error(node, "'initial' in " + at + " must be more than 0");
        }
        if (initial.compareTo(max) > 0) {
            throw error(node, "'initial' (" + Durations.format(initial) + ") is longer than 'max' (" + Durations.format(max) + ") in " + at);
        }
        if (multiplier < 1) {
            throw error(keys.get("multiplier").getValueNode(), "'multiplier' in " + at + " must be at least 1.0");
        }
        if (jitter < 0 || jitter > 1) {
            throw error(keys.get("jitter").getValueNode(), "'jitter' in " + at + " must be within 0..1");
        }
        return new PollSettings(initial, max, multiplier, jitter);
    }

    private Rule rule(Node node, String where) {
        Map<String, NodeTuple> keys = mapping(node, where, RULE_KEYS);
        if (!keys.containsKey("when")) {
            throw error(node, "missing 'when' in " + where);
        }
        if (!keys.containsKey("then")) {
            throw error(node, "missing 'then' in " + where);
        }
        Node thenNode = keys.get("then").getValueNode();
        String word = scalar(thenNode, "then");
        Action then = switch (word) {
            case "succeed" -> Action.SUCCEED;
            case "fail" -> Action.FAIL;
            case "retry" -> Action.RETRY;
            case "cancel" -> Action.CANCEL;
            default -> throw error(thenNode, "unknown action '" + word + "' in " + where + " (one of succeed, fail, retry, cancel)");
        };
        for (String retryOnly : List.of("max-attempts", "backoff")) {
            if (keys.containsKey(retryOnly) && then != Action.RETRY) {
                throw error(keys.get(retryOnly).getKeyNode(), "'" + retryOnly + "' only applies to 'then: retry' (" + where + ")");
            }
        }
        int maxAttempts = then == Action.RETRY ? 3 : 1;
        if (keys.containsKey("max-attempts")) {
            double n = number(keys.get("max-attempts"), where);
            if (n < 2 || n != Math.floor(n)) {
                throw error(keys.get("max-attempts").getValueNode(), "'max-attempts' in " + where + " must be a whole number of at least 2");
            }
            maxAttempts = (int) n;
        }
        Duration backoff = keys.containsKey("backoff") ? duration(keys.get("backoff"), where) : Duration.ofSeconds(1);
        return new Rule(when(keys.get("when").getValueNode(), where), then, maxAttempts, backoff, line(node));
    }

    private Condition when(Node node, String where) {
        String at = "'when' of " + where;
        Map<String, NodeTuple> keys = mapping(node, at, WHEN_KEYS);
        if (keys.isEmpty()) {
            throw error(node, "empty " + at + " (give code, http-status or message)");
        }
        List<Long> codes = keys.containsKey("code") ? numbers(keys.get("code"), at).stream().map(Double::longValue).toList() : null;
        List<Integer> statuses = keys.containsKey("http-status")
                ? numbers(keys.get("http-status"), at).stream().map(Double::intValue).toList() : null;
        Pattern message = null;
        if (keys.containsKey("message")) {
            Node m = keys.get("message").getValueNode();
            try {
                message = Pattern.compile(scalar(m, "message"));
            } catch (PatternSyntaxException e) {
                throw error(m, "bad regular expression for 'message' in " + at + " (" + e.getDescription() + ")");
            }
        }
        return new Condition(codes, statuses, message);
    }

    private Map<String, NodeTuple> mapping(Node node, String where, Set<String> known) {
        if (!(node instanceof MappingNode map)) {
            throw error(node, where + " must be a mapping of keys to values");
        }
        Map<String, NodeTuple> keys = new LinkedHashMap<>();
        for (NodeTuple t : map.getValue()) {
            String key = scalar(t.getKeyNode(), "a key");
            if (!known.contains(key)) {
                throw error(t.getKeyNode(), "unknown key '" + key + "' in " + where + " (known: " + String.join(", ", new TreeSet<>(known)) + ")");
            }
            if (keys.put(key, t) != null) {
                throw error(t.getKeyNode(), "key '" + key + "' given twice in " + where);
            }
        }
        return keys;
    }

    private String scalar(Node node, String what) {
        if (!(node instanceof ScalarNode s)) {
            throw error(node, what + " must be a single value");
        }
        return s.getValue();
    }

    private Duration duration(NodeTuple t, String where) {
        String key = scalar(t.getKeyNode(), "a key");
        String v = scalar(t.getValueNode(), key);
        try {
            return Durations.parse(v);
        } catch (IllegalArgumentException e) {
            throw error(t.getValueNode(), "bad duration '" + v + "' for '" + key + "' in " + where + " (use e.g. 500ms, 30s, 10m, 1h)");
        }
    }

    private double number(NodeTuple t, String where) {
        String key = scalar(t.getKeyNode(), "a key");
        String v = scalar(t.getValueNode(), key);
        try {
            double d = Double.parseDouble(v);
            if (d < 0) {
                throw error(t.getValueNode(), "'" + key + "' in " + where + " must not be negative");
            }
            return d;
        } catch (NumberFormatException e) {
            throw error(t.getValueNode(), "'" + v + "' is not a number for '" + key + "' in " + where);
        }
    }

    private List<Double> numbers(NodeTuple t, String where) {
        String key = scalar(t.getKeyNode(), "a key");
        if (!(t.getValueNode() instanceof SequenceNode seq)) {
            throw error(t.getValueNode(), "'" + key + "' in " + where + " must be a list, e.g. [524486, 2621573]");
        }
        List<Double> out = new ArrayList<>();
        for (Node n : seq.getValue()) {
            out.add(number(new NodeTuple(t.getKeyNode(), n), where));
        }
        return out;
    }

    private boolean bool(NodeTuple t, String where) {
        String v = scalar(t.getValueNode(), "retry-unsafe");
        if (!v.equals("true") && !v.equals("false")) {
            throw error(t.getValueNode(), "'retry-unsafe' in " + where + " must be true or false");
        }
        return Boolean.parseBoolean(v);
    }

    private static int line(Node node) {
        return node.getStartMark() == null ? 0 : node.getStartMark().getLine() + 1;
    }

    private PolicyException error(Node node, String message) {
        return new PolicyException(source + ":" + line(node) + ": " + message);
    }
}
