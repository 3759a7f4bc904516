package io.ontapjobs.ontap;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The pages of one ONTAP listing: the first answer, then each {@code _links.next.href} it and the following pages
 * give, up to {@link #MAX_PAGES}. Used by the tracker's queries and by the component's {@code read}.
 */
public final class Pages {
    /** No listing is followed past this many pages: a cluster whose next links never end cannot hold a caller forever. */
    public static final int MAX_PAGES = 10_000;

    private Pages() {
    }

    /** Reads the page a {@code _links.next.href} points at. */
    @FunctionalInterface
    public interface Next {
        OntapResponse get(String href) throws ClusterCallException;
    }

    /** Told of each page in order; {@code false} stops there (e.g. an unusable answer). */
    @FunctionalInterface
    public interface Page {
        boolean accept(OntapResponse page);
    }

    /** {@link #forEach(OntapResponse, Next, Page)} with the client's {@link OntapClient#getHref}. */
    public static OntapResponse forEach(OntapClient client, OntapResponse first, Page page) throws ClusterCallException {
        return forEach(first, client::getHref, page);
    }

    /**
     * Hands {@code first} and every page after it to {@code page}, until a page has no next link or {@code page}
     * returns {@code false}.
     *
     * @return the last page read
     * @throws ClusterCallException a page could not be read, or the listing goes on past {@link #MAX_PAGES}
     */
    public static OntapResponse forEach(OntapResponse first, Next next, Page page) throws ClusterCallException {
        OntapResponse response = first;
        for (int read = 1; page.accept(response); read++) {
            String href = next(response.body());
            if (href == null) {
                return response;
            }
            if (read >= MAX_PAGES) {
                throw new ClusterCallException(ClusterCallException.Kind.UNCERTAIN,
                        "more than " + MAX_PAGES + " pages (_links.next), last " + href, null);
            }
            response = next.get(href);
        }
        return response;
    }

    /** The answer's {@code _links.next.href}, or {@code null} when it is the last page (or has no body). */
    public static String next(JsonNode body) {
        return body == null ? null : body.path("_links").path("next").path("href").asText(null);
    }
}
