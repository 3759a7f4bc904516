package io.ontapjobs.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Group commit of the operations' steps: each step's statements run on one writer thread, inside a transaction
 * shared with the steps submitted meanwhile, each behind a savepoint of its own (a step that fails or is refused is
 * rolled back alone), and the transaction is committed once for the group. A caller gets its step's result only
 * after that commit, so what it does next (send the trigger, hand the outcome over) still follows a durable record:
 * a crash before the commit loses steps none of whose callers has gone on, as a crash before each one's own commit
 * did. No step waits for another to come: the writer takes whatever is queued when it is free, so under load the
 * steps that arrive while one group commits make the next group, and alone a step commits at once.
 *
 * <p>Why: H2 writes a chunk of its file for every commit, one commit at a time ({@code MVStore.commit}); a
 * thousand operations ending together queued their four commits each behind that lock, and held the cluster's call
 * slots meanwhile (the trigger's step is recorded in the slot, before the request).
 */
final class GroupCommit implements AutoCloseable {
    /** At most this many steps in one transaction: a group's row locks are held until its commit. */
    static final int MAX_GROUP = 64;

    /** What a step does on the group's connection; it neither commits nor rolls back. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private record Pending<T>(Work<T> work, CompletableFuture<T> result) {
    }

    private final Database db;
    private final LinkedBlockingQueue<Pending<?>> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private volatile boolean closed;
    /** Wakes the writer to end (never an interrupt: H2 closes its file when a thread writing it is interrupted). */
    private static final Pending<Object> CLOSE = new Pending<>(c -> null, new CompletableFuture<>());

    GroupCommit(Database db) {
        this.db = db;
        this.writer = new Thread(this::write, "ontap-store-writer");
        writer.setDaemon(true);
        writer.start();
    }

    /** Runs {@code work} in the next group and returns its result once the group is committed. */
    <T> T run(Work<T> work) throws SQLException {
        Pending<T> p = new Pending<>(work, new CompletableFuture<>());
        if (closed) {
            throw new SQLException("the store is closed");
        }
        queue.add(p);
        if (closed) { // closed meanwhile: the writer may have drained the queue already
            fail(List.of(p), new SQLException("the store is closed"));
        }
        try {
            return p.result().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while the step was being recorded (it may or may not be)", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SQLException s) {
                throw s;
            }
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new SQLException(e.getCause());
        }
    }

    private void write() {
        List<Pending<?>> group = new ArrayList<>();
        while (true) {
            Pending<?> first;
            try {
                first = queue.take();
            } catch (InterruptedException e) {
                break;
            }
            if (first == CLOSE) {
                break;
            }
            group.add(first);
            queue.drainTo(group, MAX_GROUP - 1);
            boolean last = group.remove(CLOSE);
            commit(group);
            group.clear();
            if (last) {
                break;
            }
        }
        List<Pending<?>> left = new ArrayList<>();
        queue.drainTo(left);
        fail(left, new SQLException("the store is closed"));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private void commit(List<Pending<?>> group) {
        Object[] values = new Object[group.size()];
        Throwable[] errors = new Throwable[group.size()];
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try {
                for (int i = 0; i < group.size(); i++) {
                    Savepoint savepoint = c.setSavepoint();
                    try {
                        values[i] = group.get(i).work().run(c);
                    } catch (SQLException | RuntimeException e) {
                        c.rollback(savepoint); // this step alone: the others of the group stand
                        errors[i] = e;
                    }
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException ignored) {
                    // the connection is gone: nothing of the group was committed
                }
                throw e;
            }
        } catch (SQLException | RuntimeException e) {
            fail(group, e); // nothing of the group was committed
            return;
        } catch (Error e) {
            fail(group, e);
            throw e;
        }
        for (int i = 0; i < group.size(); i++) {
            CompletableFuture f = group.get(i).result();
            if (errors[i] != null) {
                f.completeExceptionally(errors[i]);
            } else {
                f.complete(values[i]);
            }
        }
    }

    private static void fail(List<Pending<?>> group, Throwable e) {
        for (Pending<?> p : group) {
            p.result().completeExceptionally(e);
        }
    }

    @Override
    public void close() {
        closed = true;
        queue.add(CLOSE);
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
