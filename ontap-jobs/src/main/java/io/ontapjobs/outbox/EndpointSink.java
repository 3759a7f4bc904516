package io.ontapjobs.outbox;

import io.ontapjobs.files.FileModes;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;

/** A sink that is a Camel endpoint (a file folder, a JMS queue): any failure is retried later. */
public class EndpointSink implements Sink {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    private final ProducerTemplate template;
    private final String uri;
    private final boolean oneLine;

    public EndpointSink(ProducerTemplate template, String uri) {
        this(template, uri, false);
    }

    /** @param oneLine send the outcome as one line of JSON (for JSON-lines files and line-oriented consumers) */
    public EndpointSink(ProducerTemplate template, String uri, boolean oneLine) {
        this.template = template;
        this.uri = uri;
        this.oneLine = oneLine;
    }

    /**
     * Appends each outcome as one line to a JSON-lines file. Appending is not idempotent: after a crash between
     * the append and its acknowledgement an outcome can appear twice; consumers deduplicate on its {@code id}.
     */
    public static EndpointSink jsonLines(ProducerTemplate template, java.nio.file.Path file) {
        return jsonLines(template, file, FileModes.DEFAULT);
    }

    /** @param mode the file's mode in octal ({@code ontap.files.mode}); a folder made for it is 0750 */
    public static EndpointSink jsonLines(ProducerTemplate template, java.nio.file.Path file, String mode) {
        java.nio.file.Path dir = file.toAbsolutePath().getParent();
        return new EndpointSink(template, "file:" + dir + "?fileName=" + file.getFileName() + "&fileExist=Append&appendChars=\\n"
                + modes(mode), true);
    }

    /** One file per outcome, {@code <dir>/<id>.json}, written to a temporary name and renamed: idempotent. */
    public static EndpointSink files(ProducerTemplate template, String dir) {
        return files(template, dir, FileModes.DEFAULT);
    }

    /** @param mode the files' mode in octal ({@code ontap.files.mode}); set on the temporary file, before the rename */
    public static EndpointSink files(ProducerTemplate template, String dir, String mode) {
        return new EndpointSink(template, "file:" + dir + "?fileName=${header.CamelOntapOperationId}.json&tempFileName=.${header.CamelOntapOperationId}.json.tmp"
                + modes(mode));
    }

    private static String modes(String mode) {
        return "&chmod=" + FileModes.check(mode) + "&chmodDirectory=" + FileModes.DIRECTORY;
    }

    @Override
    public Result deliver(String id, String outcome) {
        Exchange result = template.send(uri, e -> {
            e.getIn().setHeader("CamelOntapOperationId", id);
            e.getIn().setHeader(Exchange.CONTENT_TYPE, "application/cloudevents+json");
            e.getIn().setBody(oneLine ? compact(outcome) : outcome);
        });
        return result.getException() == null ? Result.DELIVERED : Result.retry(null, String.valueOf(result.getException().getMessage()));
    }

    private static String compact(String json) {
        try {
            return JSON.readTree(json).toString();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("stored outcome is not JSON", e);
        }
    }
}
