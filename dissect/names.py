"""Value-name tables shared by several protocols (as Wireshark's shared value_strings)."""

from __future__ import annotations

# Differentiated Services codepoints (RFC 2474, 3246, 4594, 5865, 8622) and ECN (RFC 3168):
# the same byte in IPv4's DS field and IPv6's traffic class.
DSCP_NAMES = {
    0: "Default", 1: "Lower Effort", 8: "Class Selector 1", 10: "Assured Forwarding 11",
    12: "Assured Forwarding 12", 14: "Assured Forwarding 13", 16: "Class Selector 2",
    18: "Assured Forwarding 21", 20: "Assured Forwarding 22", 22: "Assured Forwarding 23",
    24: "Class Selector 3", 26: "Assured Forwarding 31", 28: "Assured Forwarding 32",
    30: "Assured Forwarding 33", 32: "Class Selector 4", 34: "Assured Forwarding 41",
    36: "Assured Forwarding 42", 38: "Assured Forwarding 43", 40: "Class Selector 5",
    44: "Voice Admit", 46: "Expedited Forwarding", 48: "Class Selector 6", 56: "Class Selector 7",
}  # fmt: skip
ECN_NAMES = {
    0: "Not ECN-Capable Transport", 1: "ECN-Capable Transport codepoint '01'",
    2: "ECN-Capable Transport codepoint '10'", 3: "Congestion Experienced",
}  # fmt: skip
