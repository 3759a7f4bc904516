package io.ontapjobs.events;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** {@link EventBookmarks} in memory: they last as long as the component (the default). */
public class InMemoryEventBookmarks implements EventBookmarks {
    private final Map<String, Map<String, Bookmark>> marks = new ConcurrentHashMap<>();

    @Override
    public Map<String, Bookmark> load(String consumerKey) {
        return Map.copyOf(marks.getOrDefault(consumerKey, Map.of()));
    }

    @Override
    public void save(String consumerKey, String nodeUuid, long index, Instant time) {
        marks.computeIfAbsent(consumerKey, k -> new ConcurrentHashMap<>()).put(nodeUuid, new Bookmark(index, time));
    }
}
