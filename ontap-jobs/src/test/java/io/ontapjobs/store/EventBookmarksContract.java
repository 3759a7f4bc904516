package io.ontapjobs.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ontapjobs.events.EventBookmarks;
import io.ontapjobs.events.EventBookmarks.Bookmark;
import io.ontapjobs.operation.OwnershipLostException;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The EMS bookmarks in the store, whatever the database: per consumer and node, upserted, fenced for a replica. */
abstract class EventBookmarksContract {
    static final Instant T1 = Instant.parse("2026-12-07T23:02:03Z");
    static final Instant T2 = Instant.parse("2026-12-07T23:05:00Z");
    OperationStore store;

    abstract OperationStore openNew();

    abstract OperationStore reopen();

    @BeforeEach
    void open() {
        store = openNew();
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void aBookmarkIsUpsertedPerConsumerAndNodeAndSurvivesAReopen() {
        EventBookmarks marks = store.eventBookmarks(null);
        assertThat(marks.load("c1/ems")).as("never started").isEmpty();

        marks.save("c1/ems", EventBookmarks.START, 0, T1);
        marks.save("c1/ems", "node-a", 7, T1);
        marks.save("c1/ems", "node-a", 9, T2); // the same row, moved
        marks.save("c1/ems", "node-b", 3, null);
        marks.save("c1/other", "node-a", 1, T1);
        marks.save("c2/ems", "node-a", 5, T2);

        assertThat(marks.load("c1/ems")).containsOnlyKeys(EventBookmarks.START, "node-a", "node-b")
                .containsEntry("node-a", new Bookmark(9, T2))
                .containsEntry("node-b", new Bookmark(3, null))
                .containsEntry(EventBookmarks.START, new Bookmark(0, T1));
        store.close();

        store = reopen();
        assertThat(store.eventBookmarks(null).load("c1/ems")).containsEntry("node-a", new Bookmark(9, T2)).hasSize(3);
        assertThat(store.eventBookmarks(null).all()).extracting(r -> r.consumerKey() + " " + r.cluster() + " " + r.nodeUuid() + " " + r.index())
                .containsExactly("c1/ems c1 * 0", "c1/ems c1 node-a 9", "c1/ems c1 node-b 3", "c1/other c1 node-a 1", "c2/ems c2 node-a 5")
                .isNotEmpty();
    }

    @Test
    void aStaleOwnersBookmarkIsRefusedAndTheNewOwnersIsSaved() {
        Fencing a = new Fencing("replica-a");
        Fencing b = new Fencing("replica-b");
        EventBookmarks byA = store.eventBookmarks(a);
        EventBookmarks byB = store.eventBookmarks(b);
        assertThatThrownBy(() -> byA.save("c1/ems", "node-a", 1, T1)).as("never claimed").isInstanceOf(OwnershipLostException.class);

        store.epochs().claim("c1", a);
        byA.save("c1/ems", "node-a", 4, T1);
        store.epochs().claim("c1", b); // a takeover: a's epoch is stale, a does not know yet

        assertThatThrownBy(() -> byA.save("c1/ems", "node-a", 5, T2)).isInstanceOf(OwnershipLostException.class)
                .hasMessageContaining("newer owner (replica-b, epoch 2)");
        assertThat(a.epoch("c1")).as("dropped on refusal").isNull();
        assertThat(byB.load("c1/ems")).containsEntry("node-a", new Bookmark(4, T1));
        byB.save("c1/ems", "node-a", 5, T2);
        assertThat(byA.load("c1/ems")).containsEntry("node-a", new Bookmark(5, T2));
    }
}
