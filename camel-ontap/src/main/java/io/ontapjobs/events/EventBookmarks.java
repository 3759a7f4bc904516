package io.ontapjobs.events;

import java.time.Instant;
import java.util.Map;

/**
 * Where each EMS consumer left off: per node of the cluster (its uuid), the highest event index whose exchange has
 * completed, and that event's time. ONTAP numbers events per node, so one consumer has one bookmark per node.
 *
 * <p>The component uses the registry's single {@code EventBookmarks} bean, else {@link InMemoryEventBookmarks}
 * (nothing survives the process: after a restart the consumer starts from the cluster's "now" again). A store that
 * keeps them (a database) makes a restart continue where the route left off, without loss or repeat.
 *
 * <p>The pseudo node {@link #START} holds the consumer's first start: its time is the earliest event time the
 * consumer ever reads (the look-back floor); its presence says the consumer has started before.
 */
public interface EventBookmarks {
    /** The pseudo node uuid of the first-start record (no node uuid is a single asterisk). */
    String START = "*";

    /**
     * The bookmarks of one consumer.
     *
     * @param consumerKey the consumer: its cluster and route ({@code <cluster>/<route id>})
     * @return node uuid to bookmark, including {@link #START} once it has started; empty: never started
     */
    Map<String, Bookmark> load(String consumerKey);

    /**
     * Moves a node's bookmark (or records the first start, node {@link #START}); called after each event's exchange
     * completed, so a store should make it cheap (an upsert).
     */
    void save(String consumerKey, String nodeUuid, long index, Instant time);

    /** A node's last completed event: its index and time (the node's clock; {@code null} when unknown). */
    record Bookmark(long index, Instant time) {
    }
}
