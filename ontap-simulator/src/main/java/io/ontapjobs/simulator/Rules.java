package io.ontapjobs.simulator;

import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The scenarios and faults in force, and which of them applies to a request: the latest added that matches and is
 * not used up. Copy-on-write lists, so requests read them without locking while tests and the control API change
 * them.
 */
final class Rules {
    private static final Scenario DEFAULT_SCENARIO = Scenario.defaultScenario();

    private final CopyOnWriteArrayList<Scenario> scenarios = new CopyOnWriteArrayList<>();
    private final CopyOnWriteArrayList<Fault> faults = new CopyOnWriteArrayList<>();
    /** Draws fault probabilities; seeded so a run can be replayed. */
    private final Random random;

    Rules(long seed) {
        this.random = new Random(seed);
    }

    void addScenario(Scenario s) {
        scenarios.add(Objects.requireNonNull(s));
    }

    void addScenarios(Collection<Scenario> list) {
        scenarios.addAll(list);
    }

    void clearScenarios() {
        scenarios.clear();
    }

    /** Scenarios in the order added (the last one wins). */
    List<Scenario> scenarios() {
        return Collections.unmodifiableList(scenarios);
    }

    /** Each simulator counts a fault's uses on its own copy. */
    void addFault(Fault f) {
        faults.add(f.fresh());
    }

    void clearFaults() {
        faults.clear();
    }

    /** Faults in the order added (the last one is checked first); used-up ones are gone. */
    List<Fault> faults() {
        return Collections.unmodifiableList(faults);
    }

    /** The fault to apply to this request, one use of it taken, or null; a used-up fault is removed. */
    Fault faultFor(String method, String path) {
        if (faults.isEmpty()) {
            return null;
        }
        for (int i = faults.size() - 1; i >= 0; i--) {
            Fault f;
            try {
                f = faults.get(i);
            } catch (IndexOutOfBoundsException e) {
                continue; // cleared meanwhile
            }
            if (!f.matches(method, path) || f.exhausted()) {
                continue;
            }
            if (f.probability() < 1.0) {
                double draw;
                synchronized (random) {
                    draw = random.nextDouble();
                }
                if (draw >= f.probability()) {
                    continue;
                }
            }
            if (f.tryConsume()) {
                if (f.exhausted()) {
                    faults.remove(f);
                }
                return f;
            }
        }
        return null;
    }

    /** The scenario an operation plays, one use of it taken; the default one (success after 1 s) when none applies. */
    Scenario scenarioFor(String method, String path, String body) {
        for (int i = scenarios.size() - 1; i >= 0; i--) {
            Scenario s;
            try {
                s = scenarios.get(i);
            } catch (IndexOutOfBoundsException e) {
                continue;
            }
            if (s.matches(method, path, body) && s.claim()) {
                return s;
            }
        }
        return DEFAULT_SCENARIO;
    }
}
