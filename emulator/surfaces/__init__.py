"""The API surfaces: the route table, the guard around every handler, and one module
per API that reads its requests into the neutral request and hands back its wire format.
Knows every layer below; nothing but the entry points imports it.
"""
