"""What a request gets: scripted rules, their replies, and the seeded default answer.
Speaks only of the neutral request and outcomes; knows no API, wire format or HTTP.
"""
