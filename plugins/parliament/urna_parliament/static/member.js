"use strict";
// The member's page: what happens in the hall now, from the sitting's live push.
const M = urna.messages;
const hall = document.getElementById("hall");

urna.follow(hall.dataset.sitting, (state) => {
  const seat = state.seats[hall.dataset.seat] || {};
  const vote = state.vote ? urna.format(M.vote, {question: state.vote.question}) : M.no_vote;
  hall.textContent = `${vote} ${seat.present ? M.registered : M.not_registered}`;
});
