package io.ontapjobs.simulator;

/** An ONTAP-shaped error answer: {@code {"error": {"code": "...", "message": "...", "target": "..."}}}. */
final class ApiError extends RuntimeException {
    final int status;
    final String code;
    final String target;

    ApiError(int status, long code, String message, String target) {
        this(status, String.valueOf(code), message, target);
    }

    ApiError(int status, String code, String message, String target) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.target = target;
    }

    static ApiError invalidValue(String field, String value) {
        return new ApiError(400, OntapErrors.INVALID_VALUE, "The value \"" + value + "\" is invalid for field \"" + field + "\".", field);
    }

    static ApiError unexpectedArgument(String name) {
        return new ApiError(400, OntapErrors.UNEXPECTED_ARGUMENT, "Unexpected argument \"" + name + "\".", name);
    }

    static ApiError notFound(String target) {
        return new ApiError(404, OntapErrors.ENTRY_NOT_FOUND, "entry doesn't exist", target);
    }
}
