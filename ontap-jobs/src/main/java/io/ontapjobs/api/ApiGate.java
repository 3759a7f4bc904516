package io.ontapjobs.api;

import io.vertx.core.http.HttpServerRequest;

/**
 * Decides, before any route sees it, whether an HTTP request to the service's port may go on: the login (bearer
 * tokens), the Host and Origin checks. The HTTP server asks it first for every request, API, page and
 * /observe alike. Found in Camel's registry under {@link #REGISTRY_NAME}; without one every request goes on.
 */
public interface ApiGate {
    String REGISTRY_NAME = "ontapApiGate";

    /** Lets every request through. */
    ApiGate OPEN = request -> true;

    /**
     * @return true when the request may go on to the routes; false when the gate has already answered it
     *         (401, 403, ...) and ended the response
     */
    boolean admit(HttpServerRequest request);
}
