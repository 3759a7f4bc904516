package io.ontapjobs.workflow;

import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.camel.util.TimeUtils;

/**
 * An idempotent repository whose keys expire: a key added is a duplicate for {@code window} (default 30m), then
 * forgotten. With Camel's idempotentConsumer it makes a per-key throttle, "at most once per key per window" (the
 * window counts from the first message that got through). Camel 4.18's own {@code MemoryIdempotentRepository}
 * keeps keys until its LRU bound pushes them out, never by age; camel-caffeine's repository is not a dependency of
 * the service. In memory: a restart forgets every key, so the first event after a restart always gets through.
 */
public class ExpiringIdempotentRepository extends ServiceSupport implements IdempotentRepository {
    private final ConcurrentHashMap<String, Long> keys = new ConcurrentHashMap<>();
    private final Clock clock;
    private long windowMillis = 30 * 60_000L;

    public ExpiringIdempotentRepository() {
        this(Clock.systemUTC());
    }

    public ExpiringIdempotentRepository(Clock clock) {
        this.clock = clock;
    }

    /** How long a key stays a duplicate: a Camel duration (30m, 1h, 500ms; a plain number is milliseconds). */
    public void setWindow(String window) {
        long millis = TimeUtils.toMilliSeconds(window);
        if (millis <= 0) {
            throw new IllegalArgumentException("window must be above 0: " + window);
        }
        this.windowMillis = millis;
    }

    public long getWindowMillis() {
        return windowMillis;
    }

    @Override
    public boolean add(String key) {
        long now = clock.millis();
        boolean[] added = {false};
        keys.compute(key, (k, expires) -> {
            if (expires != null && expires > now) {
                return expires;
            }
            added[0] = true;
            return now + windowMillis;
        });
        if (keys.size() > 10_000) { // bound the map: drop what has expired
            keys.values().removeIf(expires -> expires <= now);
        }
        return added[0];
    }

    @Override
    public boolean contains(String key) {
        Long expires = keys.get(key);
        return expires != null && expires > clock.millis();
    }

    @Override
    public boolean remove(String key) {
        return keys.remove(key) != null;
    }

    @Override
    public boolean confirm(String key) {
        return true;
    }

    @Override
    public void clear() {
        keys.clear();
    }
}
