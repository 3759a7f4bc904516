package io.ontapjobs.component;

import io.ontapjobs.ontap.OntapResponse;

/** A GET through ontap: that the cluster refused; the message carries ONTAP's error. */
public class OntapReadException extends RuntimeException {
    private final int status;

    public OntapReadException(String path, OntapResponse response) {
        super("GET " + path + ": HTTP " + response.status() + response.error().map(e -> " " + e).orElse(""));
        this.status = response.status();
    }

    public int status() {
        return status;
    }
}
