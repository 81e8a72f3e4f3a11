"""Models, one module per BILL resource family: state and BILL's rules, called with a Context and plain
values (ids, a parsed body, a query mapping), answering payloads and pages or raising BillApiError.
No HTTP here: responses/ reads requests and answers them, routes.py maps paths to responses. A family
may use the families below it (bills use vendors, payments use bills); none imports one above it."""
