"""The use cases, one function each; which function answers which event:

- create: ``create.create_request``;
- the buyer's and the merchant's events: ``requests.<event>`` (``approve_request``,
  ``reject_request``, ``submit_return_shipment``, ``confirm_receipt``, …);
- deadline expired: ``sweeper.expire_due`` (batches), ``requests.expire_request`` (one);
- refund succeeded or failed: ``money.pay_movement`` and ``money.confirm_movement``.

All of them run through ``core.execute`` (or ``core.stage``/``core.write`` in bulk).
"""
